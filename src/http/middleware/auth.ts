/**
 * Access control. API keys come from the secret API_KEYS (comma-separated; `.dev.vars` locally)
 * and are sent as `Authorization: Bearer <key>`. Keys are compared as SHA-256 digests in constant
 * time, so neither a key's length nor its common prefix with a guess shows in the timing.
 *
 * - A missing or unknown key: 401 `{"error"}` with `WWW-Authenticate: Bearer` (RFC 6750).
 * - The health routes stay open (load balancers and orchestrators probe them without keys).
 * - API_KEYS unset: the Worker serves openly. It cannot log that "once" (a logged-already flag
 *   would be isolate state), so every open response carries `x-auth: open`, and the request's one
 *   log line says `"auth":"open"` (src/http/middleware/observe.ts); both are documented in docs/security.md.
 * - Every failed authentication (missing or unknown key) counts against the rate limit of the
 *   client's address (`ip:<cf-connecting-ip>`, limiter.ts), so keys cannot be guessed at full
 *   speed: over the limit, the answer is 429 instead of 401.
 * - The caller's identity for rate limiting and logs (`principal`) is `key:<sha256 prefix>` for a
 *   keyed caller (never the key itself) and `ip:<cf-connecting-ip>` when open.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { errorResponse } from "../errors.ts";
import { prefersHtml } from "../routes/playground.ts";
import { settingsOf } from "../settings.ts";
import { overLimit } from "./limiter.ts";

/** Routes served without a key (and without a rate limit): health, and the API's own docs. */
export const OPEN_PATHS: ReadonlySet<string> = new Set([
  "/v2/health/live",
  "/v2/health/ready",
  "/docs",
  "/openapi.json",
  "/monitor",
]);

/** The playground page (`GET /` for a browser) is static and open; its script sends the key. */
export const isOpenRequest = (method: string, path: string, accept: string | undefined): boolean =>
  OPEN_PATHS.has(path) || (method === "GET" && path === "/" && prefersHtml(accept));

const encoder = new TextEncoder();
const REALM = 'Bearer realm="stateless-serve"';

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

type TimingSafe = SubtleCrypto & { timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean };

/** Constant-time equality of two equal-length digests (workerd's timingSafeEqual, else an XOR loop). */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false; // digests: always 32 bytes, so this leaks nothing
  const subtle = crypto.subtle as TimingSafe;
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The key a request presents: `Authorization: Bearer <key>` (scheme case-insensitive). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(.+)$/i.exec(header ?? "");
  const token = match?.[1]?.trim();
  return token ? token : undefined;
}

/**
 * The matching key's identity, or undefined. Every configured key is compared (no early exit),
 * so the time taken does not depend on which key matched, or how far a guess got.
 */
export async function matchKey(token: string, keys: readonly string[]): Promise<string | undefined> {
  const presented = await digest(token);
  let matched = false;
  for (const key of keys) {
    if (digestsEqual(presented, await digest(key))) matched = true;
  }
  if (!matched) return undefined;
  return `key:${Array.from(presented.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function clientIp(header: string | undefined): string {
  return `ip:${header?.trim() || "unknown"}`;
}

export function auth(): MiddlewareHandler<AppEnv> {
  return async function apiKeyAuth(c, next) {
    if (isOpenRequest(c.req.method, c.req.path, c.req.header("accept"))) return next();
    const { apiKeys } = settingsOf(c).access;
    if (apiKeys.length === 0) {
      c.set("principal", clientIp(c.req.header("cf-connecting-ip")));
      await next();
      c.header("x-auth", "open");
      return;
    }
    const principal = await bearerPrincipal(c, apiKeys, "API key", REALM);
    if (typeof principal !== "string") return principal;
    c.set("principal", principal);
    await next();
  };
}

/**
 * The caller's identity when `Authorization: Bearer <key>` holds one of `keys`; otherwise the 401
 * (missing or invalid `what`, with `WWW-Authenticate: <realm>`), or a 429 once the client address
 * has failed too often: every failed attempt spends that address's rate-limit budget.
 */
export async function bearerPrincipal(
  c: Context<AppEnv>,
  keys: readonly string[],
  what: string,
  realm: string,
): Promise<string | Response> {
  const token = bearerToken(c.req.header("authorization"));
  const principal = token === undefined ? undefined : await matchKey(token, keys);
  if (principal !== undefined) return principal;
  const limited = await overLimit(c, clientIp(c.req.header("cf-connecting-ip")));
  if (limited) return limited;
  if (token === undefined) {
    return errorResponse(401, `missing ${what}: send 'Authorization: Bearer <key>'`, { "WWW-Authenticate": realm });
  }
  return errorResponse(401, `invalid ${what}`, { "WWW-Authenticate": `${realm}, error="invalid_token"` });
}

/**
 * The gate of a write route behind its own secret (INGEST_KEYS, STREAM_KEYS, OUTCOME_KEYS): 403
 * `closed` when no key is configured, else `bearerPrincipal`'s 401/429, else the caller's
 * principal as `<kind>:<key digest prefix>` for the rate limiter and the log line.
 */
export function writeKeyAuth(gate: {
  keys: (access: ReturnType<typeof settingsOf>["access"]) => readonly string[];
  /** The 403's message when no key is configured. */
  closed: string;
  /** The principal's prefix, and the keys' name in 401 messages (`<kind> key`). */
  kind: string;
  realm: string;
}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const keys = gate.keys(settingsOf(c).access);
    if (keys.length === 0) return errorResponse(403, gate.closed);
    const principal = await bearerPrincipal(c, keys, `${gate.kind} key`, gate.realm);
    if (typeof principal !== "string") return principal;
    c.set("principal", `${gate.kind}:${principal}`);
    await next();
  };
}
