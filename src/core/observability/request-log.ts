/**
 * The one structured line per request (`{"event":"request", …}` on stdout: Workers Logs and
 * `wrangler tail` pick it up) and its Analytics Engine data point. HTTP (src/http/middleware/observe.ts)
 * and RPC (src/rpc/predictor.ts) build the record; this writes it. Nothing is kept or counted.
 */
import { writeRequestPoint, type DataPointSink } from "../../adapters/analytics-engine/data-point.ts";
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
  /** Milliseconds from the request's arrival to its answer (see README on the clock). */
  ms: number;
  timings: Partial<Record<Span, number>>;
  cache?: CacheOutcome;
  /** The error code (core/errors.ts ErrorCode) when the answer is an error. */
  error?: string;
  /** "open" when API_KEYS is unset (the Worker serves without access control). */
  auth?: "open";
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** The same JSON line shape as src/worker/scope.ts `log` (kept free of scope.ts' imports, for unit tests). */
function log(event: string, detail: Record<string, unknown>): void {
  console.log(JSON.stringify({ event, ...detail }));
}

export function reportRequest(env: unknown, record: RequestRecord): void {
  const rounded: RequestRecord = {
    ...record,
    ms: round(record.ms),
    timings: Object.fromEntries(Object.entries(record.timings).map(([k, v]) => [k, round(v)])),
  };
  log("request", { ...rounded });
  writeRequestPoint((env as { ANALYTICS?: DataPointSink } | undefined)?.ANALYTICS, rounded, log);
}
