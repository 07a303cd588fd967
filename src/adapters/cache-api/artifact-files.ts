/**
 * Model files kept in the Cache API, addressed by their sha256. A file's bytes never change for
 * a given hash, so entries are immutable and safe to share between isolates and versions; a new
 * isolate in the same location finds the weights there instead of re-reading R2. Every entry is
 * checked against its hash when read and before it is stored, so a corrupt file is never served
 * from, nor put into, the cache. Cache faults never fail a load: they fall back to R2.
 *
 * Note: on *.workers.dev hostnames the Cache API stores nothing; use a custom domain (docs/deploy.md).
 */
import { sha256Hex } from "../../core/digest.ts";

const ORIGIN = "https://artifacts.stateless-serve.internal/sha256/";
const IMMUTABLE = "public, max-age=31536000, immutable";

export interface FileCache {
  /** The bytes whose sha256 is `sha256`: from the cache, else from `load` (then cached). */
  get(sha256: string, load: () => Promise<ArrayBuffer>): Promise<ArrayBuffer>;
}

type Log = (event: string, detail: Record<string, unknown>) => void;

export function cacheApiFiles(cache: Cache | undefined, log?: Log): FileCache {
  return {
    async get(sha256, load) {
      if (!cache) return load();
      const url = ORIGIN + sha256;
      try {
        const hit = await cache.match(url);
        if (hit) {
          const bytes = await hit.arrayBuffer();
          if ((await sha256Hex(bytes)) === sha256) return bytes;
          await cache.delete(url);
          log?.("artifact_cache_corrupt", { sha256 });
        }
      } catch (err) {
        log?.("artifact_cache_unavailable", { op: "match", error: String(err) });
      }
      const bytes = await load();
      if ((await sha256Hex(bytes)) === sha256) {
        try {
          await cache.put(
            url,
            new Response(bytes, {
              headers: { "cache-control": IMMUTABLE, "content-type": "application/octet-stream" },
            }),
          );
        } catch (err) {
          log?.("artifact_cache_unavailable", { op: "put", error: String(err) });
        }
      }
      return bytes;
    },
  };
}
