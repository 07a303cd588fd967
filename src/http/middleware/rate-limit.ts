/**
 * Per-caller rate limiting with the Workers Rate Limiting binding (`[[ratelimits]]` RATE_LIMITER
 * in wrangler.toml). The counting happens in Cloudflare's limiter, never in the isolate.
 *
 * - Keyed by the caller's `principal` (set by the auth middleware: `key:<sha256 prefix>` or
 *   `ip:<cf-connecting-ip>`), so each API key, or each client address when open, has its budget.
 * - Over the limit: 429 `{"error"}` with `Retry-After: <RATE_LIMIT_PERIOD>` (the binding's period,
 *   an upper bound on the wait: the binding does not say when its window ends).
 * - No binding: no limit and no error. A binding that throws: the request is served (availability
 *   over strictness; the limiter is best-effort and per-location anyway) and the fault is logged.
 * - The health routes are not limited.
 */
import type { MiddlewareHandler } from "hono";
import { log } from "../../core/observability/log.ts";
import type { AppEnv } from "../app-env.ts";
import { errorResponse } from "../errors.ts";
import { settingsOf } from "../settings.ts";
import { clientIp, isOpenRequest } from "./auth.ts";

/** The part of the binding this middleware uses (workers-types' `RateLimit`). */
export interface Limiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export function rateLimit(): MiddlewareHandler<AppEnv> {
  return async function perCallerRateLimit(c, next) {
    if (isOpenRequest(c.req.method, c.req.path, c.req.header("accept"))) return next();
    const limiter = (c.env as { RATE_LIMITER?: Limiter }).RATE_LIMITER;
    if (!limiter) return next();
    const { rateLimitPeriod } = settingsOf(c).access;
    const key = c.var.principal ?? clientIp(c.req.header("cf-connecting-ip"));
    let allowed: boolean;
    try {
      allowed = (await limiter.limit({ key })).success;
    } catch (err) {
      log("rate_limit_unavailable", { request_id: c.var.requestId, path: c.req.path, error: String(err) });
      return next();
    }
    if (!allowed) {
      const who = key.startsWith("key:") ? "this API key" : "this client address";
      return errorResponse(429, `rate limit exceeded for ${who}; retry after ${rateLimitPeriod} seconds`, {
        "Retry-After": String(rateLimitPeriod),
      });
    }
    await next();
  };
}
