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
 * - Failed authentication is limited too, by client address, in auth.ts (before this runs).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { clientIp, isOpenRequest } from "./auth.ts";
import { overLimit } from "./limiter.ts";

export function rateLimit(): MiddlewareHandler<AppEnv> {
  return async function perCallerRateLimit(c, next) {
    if (isOpenRequest(c.req.method, c.req.path, c.req.header("accept"))) return next();
    const refused = await overLimit(c, c.var.principal ?? clientIp(c.req.header("cf-connecting-ip")));
    if (refused) return refused;
    await next();
  };
}
