/**
 * The prediction cache over the Cache API (`caches.default`): entries under
 * `https://prediction-cache.stateless-serve.internal/<key>` with `Cache-Control: max-age=<TTL>`.
 * The Cache API is per location and evicts at will, which is fine for a cache; on *.workers.dev
 * hostnames it stores nothing (every request is then a miss). Writes go through `waitUntil` when
 * the request has an ExecutionContext, so the answer does not wait for them; faults of such a
 * background write are logged here. See src/core/cache/prediction-cache.ts for the key.
 */
import type { PredictionCache } from "../../core/cache/prediction-cache.ts";

export const PREDICTION_CACHE_ORIGIN = "https://prediction-cache.stateless-serve.internal/";

export interface PredictionCacheOptions {
  /** Seconds an entry lives (PREDICTION_CACHE_TTL). */
  ttl: number;
  /** The request's `ctx.waitUntil`, when it has one; otherwise writes are awaited. */
  waitUntil?: (promise: Promise<unknown>) => void;
  log: (event: string, detail: Record<string, unknown>) => void;
}

export function cacheApiPredictions(cache: Cache, options: PredictionCacheOptions): PredictionCache {
  const headers = { "cache-control": `max-age=${options.ttl}`, "content-type": "application/octet-stream" };
  return {
    async match(key) {
      const hit = await cache.match(PREDICTION_CACHE_ORIGIN + key);
      return hit ? new Uint8Array(await hit.arrayBuffer()) : undefined;
    },
    async put(key, value) {
      const write = cache.put(PREDICTION_CACHE_ORIGIN + key, new Response(value, { headers }));
      if (!options.waitUntil) return write;
      options.waitUntil(
        write.catch((err: unknown) => options.log("prediction_cache_failed", { op: "put", error: String(err) })),
      );
    },
  };
}

/** `caches.default` when the runtime has the Cache API (workerd), else undefined. */
export function defaultCache(): Cache | undefined {
  const storage = (globalThis as { caches?: { default?: Cache } }).caches;
  return storage?.default;
}
