/**
 * Error mapping for every route: `{"error": "<message>"}` with the error's status.
 * Unknown errors are logged and answered with a bare 500: no stack trace ever leaves.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { boundMessage, ServeError } from "../core/errors.ts";
import { log } from "../core/observability/log.ts";

/** The error body; a message that quotes the request (a path, a method) is cut like a ServeError's. */
export function errorResponse(status: number, message: string, headers?: Record<string, string>): Response {
  return Response.json({ error: boundMessage(message) }, { status, headers });
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof ServeError) {
    if (err.status >= 500)
      log("request_failed", {
        request_id: c.get("requestId"),
        path: c.req.path,
        status: err.status,
        error: err.message,
      });
    return errorResponse(err.status, err.message);
  }
  if (err instanceof HTTPException) return errorResponse(err.status, err.message || "request refused");
  log("unhandled_error", { request_id: c.get("requestId"), path: c.req.path, error: String(err), stack: err.stack });
  return errorResponse(500, "internal error");
}

export function notFound(c: Context): Response {
  return errorResponse(404, `no route for ${c.req.method} ${c.req.path}; see GET /v2 and GET /v1/models/<name>`);
}
