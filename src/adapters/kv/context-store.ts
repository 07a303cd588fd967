/**
 * Workers KV as the context store. The keys of a batch are deduplicated and read with KV's
 * multi-key `get` (at most 100 keys per call, so chunks of 100 run together), each with the edge
 * `cacheTtl`, all under ONE `timeoutMs` bound for the whole request. A KV error, a timeout or a
 * value that is not JSON never fails the request: those keys are reported in `failed` and the
 * result is `degraded` (pipelines then apply their documented defaults and say so).
 */
import type { ContextResult, ContextStore } from "../../core/pipeline/context-store.ts";

export interface KvContextOptions {
  cacheTtl: number;
  timeoutMs: number;
}

/** KV's limit on keys per multi-key `get`. */
export const KV_MAX_KEYS_PER_GET = 100;
/** KV refuses a smaller `cacheTtl` (which would fail every read); shorter settings are raised to it. */
export const KV_MIN_CACHE_TTL = 60;

/** The part of the KV binding this adapter uses: the multi-key `get` as text. */
type MultiGet = (keys: string[], options: { type: "text"; cacheTtl: number }) => Promise<Map<string, string | null>>;

export function kvContext(kv: KVNamespace | undefined, options: KvContextOptions): ContextStore {
  return {
    async getMany(requested): Promise<ContextResult> {
      const keys = [...new Set(requested)];
      const values = new Map<string, unknown>();
      const failed = new Set<string>();
      if (keys.length === 0) return { values, degraded: false, failed };
      if (!kv) return { values, degraded: true, failed: new Set(keys) };
      const get = kv.get.bind(kv) as unknown as MultiGet;
      const cacheTtl = Math.max(KV_MIN_CACHE_TTL, options.cacheTtl);
      const pending = new Set(keys);
      const chunks: string[][] = [];
      for (let i = 0; i < keys.length; i += KV_MAX_KEYS_PER_GET) chunks.push(keys.slice(i, i + KV_MAX_KEYS_PER_GET));
      let timedOut = false;
      const reads = chunks.map(async (chunk) => {
        let found: Map<string, string | null>;
        try {
          found = await get(chunk, { type: "text", cacheTtl });
        } catch {
          if (timedOut) return;
          for (const key of chunk) {
            pending.delete(key);
            failed.add(key);
          }
          return;
        }
        if (timedOut) return; // the answer is already given: a late chunk changes nothing
        for (const key of chunk) {
          pending.delete(key);
          const text = found.get(key);
          if (text === null || text === undefined) continue;
          try {
            values.set(key, JSON.parse(text));
          } catch {
            failed.add(key);
          }
        }
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
      });
      const outcome = await Promise.race([Promise.all(reads), timeout]);
      clearTimeout(timer);
      if (outcome === "timeout") {
        timedOut = true;
        for (const key of pending) failed.add(key);
      }
      return { values, degraded: failed.size > 0, failed };
    },
  };
}
