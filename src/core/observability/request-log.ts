/**
 * The one structured record per request (`{"event":"request", …}`): HTTP (src/http/middleware/observe.ts)
 * and RPC (src/rpc/predictor.ts) build it; `reportRequest` logs it and hands it to an optional
 * sink (Analytics Engine in the Worker, wired in src/worker/report.ts). Nothing is kept or counted.
 */
import { type Log, log } from "./log.ts";
import type { CacheOutcome, Span } from "./trace.ts";

export interface RequestRecord {
  request_id: string;
  /** The HTTP method, or "RPC". */
  method: string;
  /** The URL path, or the RPC method name. */
  path: string;
  /** A low-cardinality name of the route (e.g. "v1.predict", "v2.infer", "rpc.predict"). */
  route: string;
  status: number;
  model?: string;
  version?: number;
  /** Milliseconds from the request's arrival to its answer (see docs/observability.md on the clock). */
  ms: number;
  timings: Partial<Record<Span, number>>;
  cache?: CacheOutcome;
  /** The error code (core/errors.ts ErrorCode) when the answer is an error. */
  error?: string;
  /** Records handed to the prediction log (docs/monitoring.md); a failed send logs `prediction_log_failed`. */
  logged?: number;
  /** "open" when API_KEYS is unset (the Worker serves without access control). */
  auth?: "open";
}

/** Where a request's record goes besides the log line (the RequestPointSink port). */
export type RequestPointSink = (record: RequestRecord, log: Log) => void;

const round = (ms: number) => Math.round(ms * 100) / 100;

export function reportRequest(record: RequestRecord, sink?: RequestPointSink): void {
  const rounded: RequestRecord = {
    ...record,
    ms: round(record.ms),
    timings: Object.fromEntries(Object.entries(record.timings).map(([k, v]) => [k, round(v)])),
  };
  log("request", { ...rounded });
  sink?.(rounded, log);
}
