/**
 * The flights parity reference (test/fixtures/flights-june-sample.json, computed in Node by
 * model/flights with @tensorflow/tfjs) and the KV entries its rows need.
 */
import sample from "../fixtures/flights-june-sample.json" with { type: "json" };

export interface FlightCase {
  note: string;
  row: { origin: string; destination: string; departure: string; distance: number };
  keys: string[];
  features: number[];
  missing: string[];
  context: Record<string, unknown>;
  probability: number;
}

export const FLIGHTS = sample as unknown as { tolerance: number; threshold: number; cases: FlightCase[] };

/** The context entries the sample's rows read, from the full context file's entries. */
export function entriesFor(all: ReadonlyArray<{ key: string; value: string }>): Array<{ key: string; value: string }> {
  const wanted = new Set(FLIGHTS.cases.flatMap((c) => c.keys));
  return all.filter((e) => wanted.has(e.key));
}

/** The same instances as v1 rows, each keyed by its index. */
export function instances(): Array<Record<string, unknown>> {
  return FLIGHTS.cases.map((c, i) => ({ ...c.row, key: `row-${i}` }));
}
