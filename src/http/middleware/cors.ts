/**
 * CORS for browser callers, from the var CORS_ORIGINS (comma-separated origins, or "*").
 * Default (empty): no CORS headers, so browsers on other origins cannot call the API; server-side
 * clients are unaffected. Keys travel in `Authorization`, never in cookies, so credentials are off.
 * Preflights (OPTIONS) are answered here, before access control, as browsers send them without keys.
 */
import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../app-env.ts";
import { settingsOf } from "../settings.ts";

const policy = cors({
  origin: (origin, c) => {
    const { corsOrigins } = settingsOf(c as Context<AppEnv>).access;
    if (corsOrigins === "*") return "*";
    return corsOrigins.includes(origin) ? origin : null;
  },
  allowMethods: ["GET", "POST", "OPTIONS"],
  // The v2 binary extension's header, compressed request bodies, and the ids clients send for tracing.
  allowHeaders: [
    "Authorization",
    "Content-Type",
    "Content-Encoding",
    "Inference-Header-Content-Length",
    "x-request-id",
    "traceparent",
  ],
  exposeHeaders: [
    "Retry-After",
    "x-model-version",
    "x-auth",
    "x-request-id",
    "Server-Timing",
    "x-prediction-cache",
    "Inference-Header-Content-Length",
  ],
  maxAge: 600,
  credentials: false,
});

export function corsFromEnv(): MiddlewareHandler<AppEnv> {
  return async function corsPolicy(c, next) {
    const { corsOrigins } = settingsOf(c).access;
    if (corsOrigins !== "*" && corsOrigins.length === 0) return next();
    return policy(c, next);
  };
}
