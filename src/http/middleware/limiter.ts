/**
 * Asking the Workers Rate Limiting binding (`[[ratelimits]]` RATE_LIMITER) about one key: shared by
 * the per-caller limit (rate-limit.ts) and the limit on failed authentication (auth.ts). The
 * counting happens in Cloudflare's limiter, never in the isolate.
 */
import type { Context } from "hono";
import { log } from "../../core/observability/log.ts";
import type { AppEnv } from "../app-env.ts";
import { errorResponse } from "../errors.ts";
import { settingsOf } from "../settings.ts";

/** The part of the binding used here (workers-types' `RateLimit`). */
export interface Limiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/**
 * Counts one request against `key`: a 429 Response when over the limit, else undefined. No
 * binding: no limit. A binding that throws: allowed (availability over strictness), and logged.
 */
export async function overLimit(c: Context<AppEnv>, key: string): Promise<Response | undefined> {
  const limiter = (c.env as { RATE_LIMITER?: Limiter }).RATE_LIMITER;
  if (!limiter) return undefined;
  let allowed: boolean;
  try {
    allowed = (await limiter.limit({ key })).success;
  } catch (err) {
    log("rate_limit_unavailable", { request_id: c.var.requestId, path: c.req.path, error: String(err) });
    return undefined;
  }
  if (allowed) return undefined;
  const { rateLimitPeriod } = settingsOf(c).access;
  const who = key.startsWith("key:") ? "this API key" : "this client address";
  return errorResponse(429, `rate limit exceeded for ${who}; retry after ${rateLimitPeriod} seconds`, {
    "Retry-After": String(rateLimitPeriod),
  });
}
