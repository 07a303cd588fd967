/**
 * The live (same-day) context of the flights model, point in time: one KV value per airport and
 * local day (`cong:<IATA>:<YYYY-MM-DD>`) that answers for ANY `as_of` that day without showing
 * an outcome settled later. The offline builder (model/flights/context.ts), the ingestion
 * Durable Object and the Worker's features all go through this module.
 *
 *   {"updated_at":"2001-06-16T06:10:00Z",
 *    "dep":[24 ints], "arr":[24 ints],                    scheduled, by LOCAL scheduled hour
 *    "dep_settled":[[bin, flights, late], …],            departures from here that have landed
 *    "arr_settled":[[bin, flights, late], …],            arrivals here that have landed
 *    "dep_cancelled":[[bin, flights], …], "arr_cancelled":[[bin, flights], …]}
 *
 * What is known when:
 * - the day's schedule (dep, arr) is known in advance: every `as_of` sees all 24 hours;
 * - an arrival delay is known once the flight has landed; offline the landing is estimated as
 *   scheduled departure + block time (`BLOCK`: base + per mile) + safety margin + delay;
 * - a cancellation is known at its cancellation time.
 * An outcome known at minute t (minutes since the airport's local midnight) is stored in the bin
 * k = max(0, ceil(t / 15)); it is counted at `as_of` when 15·k <= as_of (same clock). So a fact
 * counts only once it is known (no leak); one known a few minutes before an `as_of` that is not on
 * a quarter hour waits for the next quarter hour (at most 15 minutes of information given up).
 * Facts known at or after the day's end (bin 96) are never usable by a flight of that day: dropped.
 * Sparse bins (only the non-empty ones, sorted) keep values small (one per airport-day: thousands).
 */
import * as z from "zod";
import { parseInstant } from "../../core/context/time.ts";

export const BIN_MINUTES = 15;
/** Bins of one local day. */
export const BINS = 96;
/** Estimated block time (minutes) of a flight, and the safety margin added before its outcome counts. */
export const BLOCK = { base: 35, per_mile: 0.125, margin: 15 } as const;
/** Arrival delay above which a flight is late (the label). */
export const LATE_MINUTES = 15;

export const blockMinutes = (distance: number) => BLOCK.base + BLOCK.per_mile * distance;

const Count = z.number().int().min(0);
const Hours = z.array(Count).length(24);
const Bin = z
  .number()
  .int()
  .min(0)
  .max(BINS - 1);
const Settled = z
  .array(z.tuple([Bin, Count, Count]))
  .refine((s) => s.every(([, n, late]) => late <= n), "late must be <= flights in every bin");
const Cancelled = z.array(z.tuple([Bin, Count]));

export const LiveValueSchema = z.object({
  updated_at: z.string().refine((s) => parseInstant(s) !== undefined, "updated_at must be an ISO 8601 instant"),
  dep: Hours,
  arr: Hours,
  dep_settled: Settled,
  arr_settled: Settled,
  dep_cancelled: Cancelled,
  arr_cancelled: Cancelled,
});
export type LiveValue = z.infer<typeof LiveValueSchema>;

/** One flight as seen from one airport-day: what the aggregation needs (times in minutes since local midnight). */
export interface LiveFact {
  /** `dep`: a departure from this airport; `arr`: an arrival here. */
  kind: "dep" | "arr";
  /** Local scheduled hour here (departure hour, or estimated arrival hour), 0..23. */
  hour: number;
  /** When its arrival outcome became known, and whether it was late. */
  settled?: { at: number; late: boolean };
  /** When its cancellation became known (a cancelled flight never counts as settled). */
  cancelled?: { at: number };
}

/** The known-time bin of a fact known at minute `at` of the local day; undefined when never usable that day. */
export function knownBin(at: number): number | undefined {
  const k = Math.max(0, Math.ceil(at / BIN_MINUTES));
  return k < BINS ? k : undefined;
}

/** Whether a fact in bin `k` is known at `asOf` (minutes since the same local midnight). */
export const knownAt = (k: number, asOf: number) => k * BIN_MINUTES <= asOf;

/** Adds facts one by one (the offline builder streams millions of them) and gives the KV value. */
export class LiveAccumulator {
  private readonly scheduled = { dep: new Array<number>(24).fill(0), arr: new Array<number>(24).fill(0) };
  private readonly settled = { dep: new Map<number, [number, number]>(), arr: new Map<number, [number, number]>() };
  private readonly cancelled = { dep: new Map<number, number>(), arr: new Map<number, number>() };

  add(f: LiveFact): void {
    if (f.hour >= 0 && f.hour < 24) this.scheduled[f.kind][f.hour]!++;
    if (f.cancelled) {
      const k = knownBin(f.cancelled.at);
      if (k !== undefined) this.cancelled[f.kind].set(k, (this.cancelled[f.kind].get(k) ?? 0) + 1);
    } else if (f.settled) {
      const k = knownBin(f.settled.at);
      if (k === undefined) return;
      const c = this.settled[f.kind].get(k) ?? [0, 0];
      c[0]++;
      if (f.settled.late) c[1]++;
      this.settled[f.kind].set(k, c);
    }
  }

  value(updatedAt: string): LiveValue {
    const sorted = <T>(m: Map<number, T>) => [...m].sort((a, b) => a[0] - b[0]);
    const triples = (m: Map<number, [number, number]>) =>
      sorted(m).map(([k, [n, l]]) => [k, n, l] as [number, number, number]);
    const pairs = (m: Map<number, number>) => sorted(m).map(([k, n]) => [k, n] as [number, number]);
    return {
      updated_at: updatedAt,
      dep: [...this.scheduled.dep],
      arr: [...this.scheduled.arr],
      dep_settled: triples(this.settled.dep),
      arr_settled: triples(this.settled.arr),
      dep_cancelled: pairs(this.cancelled.dep),
      arr_cancelled: pairs(this.cancelled.arr),
    };
  }
}

/** The KV value of one airport-day from its facts; `updatedAt`: the facts are complete up to then. */
export function aggregate(facts: Iterable<LiveFact>, updatedAt: string): LiveValue {
  const a = new LiveAccumulator();
  for (const f of facts) a.add(f);
  return a.value(updatedAt);
}

export interface Counts {
  flights: number;
  late: number;
}

/** What one airport-day value says at `as_of`. */
export interface LiveAt {
  /** Departures from here whose outcome became known in the last window, and since midnight. */
  departures_recent: Counts;
  departures_today: Counts;
  /** Arrivals here whose outcome became known in the last window. */
  arrivals_recent: Counts;
  /** Cancellations known since midnight (reported, not a model feature: the 2001 data has none). */
  cancelled_today: number;
  /** Scheduled departures and arrivals in the local hour asked about (known in advance). */
  scheduled: { hour: number; departures: number; arrivals: number };
}

function sumSettled(series: LiveValue["dep_settled"] | undefined, asOf: number, from: number): Counts {
  const c = { flights: 0, late: 0 };
  for (const [k, n, late] of series ?? []) {
    if (!knownAt(k, asOf)) break; // sorted by bin
    if (k * BIN_MINUTES > from) (c.flights += n), (c.late += late);
  }
  return c;
}

/**
 * The counts a value gives at `asOf` (minutes since this airport's local midnight of the value's
 * date; may be negative or fractional) with a `windowMinutes` recent window, for local `hour`.
 * An absent value gives zeros.
 */
export function liveAt(v: LiveValue | undefined, asOf: number, windowMinutes: number, hour: number): LiveAt {
  let cancelled = 0;
  for (const [k, n] of v?.dep_cancelled ?? []) if (knownAt(k, asOf)) cancelled += n;
  for (const [k, n] of v?.arr_cancelled ?? []) if (knownAt(k, asOf)) cancelled += n;
  const inDay = hour >= 0 && hour < 24;
  return {
    departures_recent: sumSettled(v?.dep_settled, asOf, asOf - windowMinutes),
    departures_today: sumSettled(v?.dep_settled, asOf, -Infinity),
    arrivals_recent: sumSettled(v?.arr_settled, asOf, asOf - windowMinutes),
    cancelled_today: cancelled,
    scheduled: {
      hour,
      departures: inDay ? (v?.dep[hour] ?? 0) : 0,
      arrivals: inDay ? (v?.arr[hour] ?? 0) : 0,
    },
  };
}
