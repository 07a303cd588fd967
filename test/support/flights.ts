/**
 * The flights parity reference (test/fixtures/flights-june-sample.json, computed in Node by
 * model/flights with @tensorflow/tfjs) and the KV entries its rows need.
 */
import sample from "../fixtures/flights-june-sample.json" with { type: "json" };

export interface FlightCase {
  note: string;
  row: { origin: string; destination: string; departure: string; distance: number };
  /** The request's prediction time, when the case was computed at one (else the default). */
  as_of?: string;
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

/** The cases asked at the default prediction time, as v1 rows keyed by their index in the sample. */
export function instances(): Array<Record<string, unknown>> {
  return FLIGHTS.cases.flatMap((c, i) => (c.as_of === undefined ? [{ ...c.row, key: `row-${i}` }] : []));
}

/**
 * The whole sample as v1 request bodies: one batch of the cases at the default prediction time,
 * and one request per case with its `as_of` (a request has one). `cases` are the sample indices
 * of each body's instances, in order.
 */
export function requests(): Array<{ body: { instances: unknown[]; as_of?: string }; cases: number[] }> {
  const defaults = FLIGHTS.cases.flatMap((c, i) => (c.as_of === undefined ? [i] : []));
  const out: Array<{ body: { instances: unknown[]; as_of?: string }; cases: number[] }> = [
    { body: { instances: defaults.map((i) => ({ ...FLIGHTS.cases[i]!.row, key: `row-${i}` })) }, cases: defaults },
  ];
  FLIGHTS.cases.forEach((c, i) => {
    if (c.as_of !== undefined)
      out.push({ body: { instances: [{ ...c.row, key: `row-${i}` }], as_of: c.as_of }, cases: [i] });
  });
  return out;
}
