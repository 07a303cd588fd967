/**
 * What one request did, recorded while it runs: where its time went (`Server-Timing`, the request
 * log line, Analytics Engine) and what it touched (the model version that answered, the prediction
 * cache's outcome). `src/worker/scope.ts` creates one per request and it is dropped with the request:
 * nothing here outlives it, and nothing is counted in the isolate.
 *
 * Spans: `kv` (context reads), `load` (resolving and loading the model), `cache` (prediction-cache
 * key and lookup), `infer` (running the model). A span measured twice adds up.
 *
 * The clock: deployed Workers advance `performance.now()` only when the request does I/O (a Spectre
 * mitigation), so CPU-bound spans (`infer`, a memoised `load`) read 0 in production while I/O-bound
 * ones (`kv`, `load` from R2) are real. Local workerd (wrangler dev, Miniflare) advances during CPU
 * work, in whole milliseconds. See README, "Observability".
 */
export type Span = "kv" | "load" | "cache" | "infer";
export const SPANS: readonly Span[] = ["kv", "load", "cache", "infer"];

export type CacheOutcome = "hit" | "miss";

export interface TraceSummary {
  /** Milliseconds per span measured at least once. */
  timings: Partial<Record<Span, number>>;
  model?: string;
  version?: number;
  /** The execution path that served it ("lean" or "tfjs"). */
  runtime?: string;
  cache?: CacheOutcome;
}

export interface Trace {
  /** The request id (from `x-request-id` or `traceparent`, else generated), for every log line. */
  readonly requestId: string;
  /** Runs `fn`, adding its duration to `span` (also when it throws). */
  measure<T>(span: Span, fn: () => Promise<T>): Promise<T>;
  /** The model version that answered, and the execution path that ran it. */
  served(model: string, version: number, runtime?: string): void;
  /** Whether the prediction came from the prediction cache. */
  cached(outcome: CacheOutcome): void;
  summary(): TraceSummary;
}

export function createTrace(requestId: string, now: () => number = () => performance.now()): Trace {
  const timings: Partial<Record<Span, number>> = {};
  const state: Omit<TraceSummary, "timings"> = {};
  return {
    requestId,
    async measure(span, fn) {
      const start = now();
      try {
        return await fn();
      } finally {
        timings[span] = (timings[span] ?? 0) + (now() - start);
      }
    },
    served(model, version, runtime) {
      state.model = model;
      state.version = version;
      if (runtime !== undefined) state.runtime = runtime;
    },
    cached(outcome) {
      state.cache = outcome;
    },
    summary: () => ({ timings: { ...timings }, ...state }),
  };
}
