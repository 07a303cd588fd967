/**
 * Access control and the production rate limit ([[ratelimits]] in wrangler.toml, simulated by
 * Miniflare) on the built bundle: each API key has its own budget of 600 requests per minute.
 */
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { client } from "../support/client.ts";
import { fetcher, startWorker } from "./worker.ts";

const KEYS = ["e2e-key-aaaaaaaaaaaa", "e2e-key-bbbbbbbbbbbb"];
let mf: Miniflare;
beforeAll(async () => {
  mf = await startWorker({ vars: { API_KEYS: KEYS.join(",") } });
});
afterAll(async () => {
  await mf?.dispose();
});

/** The production limit, read from wrangler.toml so the test follows the config. */
function configuredLimit(): { limit: number; period: number } {
  const { workerOptions } = unstable_getMiniflareWorkerOptions("wrangler.toml");
  const simple = (workerOptions as { ratelimits?: Record<string, { simple: { limit: number; period?: number } }> })
    .ratelimits?.RATE_LIMITER?.simple;
  if (!simple) throw new Error("wrangler.toml has no [[ratelimits]] RATE_LIMITER");
  return { limit: simple.limit, period: simple.period ?? 60 };
}

describe("built bundle: access control and rate limit", () => {
  it("refuses without a key and serves with one", async () => {
    const api = client(fetcher(mf));
    expect((await api.get("/v2")).status).toBe(401);
    expect((await api.call("GET", "/v2", undefined, { authorization: `Bearer ${KEYS[1]}` })).status).toBe(200);
    expect((await api.get("/v2/health/live")).status).toBe(200);
  });

  it("answers 429 with Retry-After after `limit` requests of one key, and not for another key", async () => {
    const { limit, period } = configuredLimit();
    // The simulated limiter counts per wall-clock window: start well inside one.
    const into = Date.now() % (period * 1000);
    if (into > period * 1000 - 15_000) await new Promise((r) => setTimeout(r, period * 1000 - into + 50));
    const api = client(fetcher(mf));
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const statuses: number[] = []; // KEYS[0] is unused so far: its whole budget is left
    for (let i = 0; i < limit; i += 50) {
      const batch = Array.from({ length: Math.min(50, limit - i) }, () =>
        api.call("GET", "/v2", undefined, as(KEYS[0]!)),
      );
      statuses.push(...(await Promise.all(batch)).map((r) => r.status));
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const over = await api.call("GET", "/v2", undefined, as(KEYS[0]!));
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBe(String(period));
    expect(over.json.error).toMatch(/rate limit exceeded for this API key/);
    expect((await api.call("GET", "/v2", undefined, as(KEYS[1]!))).status).toBe(200);
    expect((await api.get("/v2/health/ready")).status).toBe(200);
  });
});
