/**
 * Observability without state: the first middleware of the public app and of the routes a
 * service binding reaches. Per request it
 * - picks the request id (./request-id.ts) and echoes it as `x-request-id` on every response,
 *   errors, 404s, 401/429 and CORS preflights included;
 * - adds `Server-Timing` (kv, load, cache, infer as measured, and total) when the request ran
 *   the model path, and `x-prediction-cache: hit|miss` when the prediction cache answered or missed;
 * - writes one JSON log line and, with the optional ANALYTICS binding, one Analytics Engine data
 *   point (src/worker/report.ts).
 * Mounted twice (the app mounts the routes), it runs once: the inner copy sees the id already set.
 */
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { type ErrorCode, ServeError } from "../../core/errors.ts";
import { SPANS, type Span } from "../../core/observability/trace.ts";
import { reportRequest } from "../../worker/report.ts";
import type { AppEnv } from "../app-env.ts";
import { routeOf } from "../routes/grammar.ts";
import { requestIdOf } from "./request-id.ts";

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: "INVALID_INPUT",
  401: "UNAUTHORIZED",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
  503: "MODEL_NOT_READY",
};

/** The error code a log line names: the ServeError's, else one for the status. */
export function errorCode(error: Error | undefined, status: number): string | undefined {
  if (error instanceof ServeError) return error.code;
  if (error && !(error instanceof HTTPException)) return "INTERNAL";
  if (status < 400) return undefined;
  return STATUS_CODES[status] ?? (status >= 500 ? "INTERNAL" : `HTTP_${status}`);
}

/** `kv;dur=1, load;dur=0, infer;dur=3, total;dur=5` (milliseconds, as the clock allows). */
export function serverTiming(timings: Partial<Record<Span, number>>, totalMs: number): string {
  const dur = (ms: number) => String(Math.round(ms * 100) / 100);
  const spans = SPANS.filter((s) => timings[s] !== undefined).map((s) => `${s};dur=${dur(timings[s]!)}`);
  return [...spans, `total;dur=${dur(totalMs)}`].join(", ");
}

export function observe(): MiddlewareHandler<AppEnv> {
  return async function observeRequest(c: Context<AppEnv>, next) {
    if (c.var.requestId !== undefined) return next();
    const started = performance.now();
    const requestId = requestIdOf(c.req.raw.headers);
    c.set("requestId", requestId);
    await next();
    const ms = performance.now() - started;
    const trace = c.var.scope?.deps.trace?.summary();
    c.header("x-request-id", requestId);
    if (trace && Object.keys(trace.timings).length > 0) c.header("Server-Timing", serverTiming(trace.timings, ms));
    if (trace?.cache) c.header("x-prediction-cache", trace.cache);
    const status = c.res.status;
    const error = errorCode(c.error, status);
    // The prediction log (predict/infer only): records built and queued inside waitUntil.
    const logged = c.var.scope?.logPredictions?.({ status, code: error, latencyMs: ms });
    reportRequest(c.env, {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      route: routeOf(c.req.method, c.req.path),
      status,
      model: trace?.model,
      version: trace?.version,
      ms,
      timings: trace?.timings ?? {},
      cache: trace?.cache,
      error,
      ...(logged ? { logged } : {}),
      auth: c.res.headers.get("x-auth") === "open" ? "open" : undefined,
    });
  };
}
