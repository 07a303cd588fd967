/**
 * Workers KV as the context store. All keys of a batch are read together, each with the edge
 * `cacheTtl`, under one timeout. A KV error, a timeout or a malformed value never fails the
 * request: the key counts as missing and the result is flagged `degraded` (pipelines then
 * apply their documented defaults and say so in the response).
 */
import type { ContextResult, ContextStore } from "../../core/pipeline/context-store.ts";

export interface KvContextOptions {
  cacheTtl: number;
  timeoutMs: number;
}

export function kvContext(kv: KVNamespace | undefined, options: KvContextOptions): ContextStore {
  return {
    async getMany(keys): Promise<ContextResult> {
      const values = new Map<string, unknown>();
      if (!kv) return { values, degraded: keys.length > 0 };
      let degraded = false;
      const reads = keys.map(async (key) => {
        try {
          const text = await kv.get(key, { type: "text", cacheTtl: options.cacheTtl });
          if (text !== null) values.set(key, JSON.parse(text));
        } catch {
          degraded = true;
        }
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
      });
      const outcome = await Promise.race([Promise.all(reads), timeout]);
      clearTimeout(timer);
      // A timeout keeps what arrived so far; the map is copied so late reads cannot change it.
      return outcome === "timeout" ? { values: new Map(values), degraded: true } : { values, degraded };
    },
  };
}
