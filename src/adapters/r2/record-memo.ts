/**
 * THE POINTER-RECORD MEMO: the second isolate memo (the first is the registry's loaded models),
 * under the same switch, MODEL_CACHE. A parsed pointer record (or the fact that a model has none)
 * is kept in the isolate, keyed by the REGISTRY namespace's identity and the model's name, so a
 * warm isolate does not read and parse `model:<name>` from KV on every request.
 *
 * It changes no guarantee: the staleness a label switch may have is split between this memo and
 * KV's edge cache so that together they stay within KV_CACHE_TTL, as before. With the memo on, the
 * record is read with KV's least `cacheTtl` (30 s) and kept here for the rest,
 * `KV_CACHE_TTL - 30` seconds (none at KV_CACHE_TTL = 30). Only records read successfully are
 * kept (a KV error or a malformed record is read again by the next request), at most
 * MAX_RECORDS names per namespace. With MODEL_CACHE=off
 * nothing is kept and every request reads KV with `cacheTtl = KV_CACHE_TTL`.
 */
import type { ModelRecord } from "../../core/models/record.ts";

/** KV's least `cacheTtl` (seconds): what the record read keeps at the edge when the memo is on. */
export const KV_MIN_CACHE_TTL = 30;

interface Kept {
  record: ModelRecord | null;
  /** Date.now() after which the entry is stale. */
  until: number;
}

const MEMO = new WeakMap<object, Map<string, Kept>>();
/** Most names kept per namespace (requests for made-up names must not grow the isolate). */
export const MAX_RECORDS = 256;

export interface RecordMemo {
  /** `cacheTtl` for the KV read of a record. */
  readonly cacheTtl: number;
  /** The record kept for `name` (null: the model has none), or undefined when nothing fresh is kept. */
  get(name: string): ModelRecord | null | undefined;
  set(name: string, record: ModelRecord | null): void;
  /** Drops what is kept for `name`. */
  delete(name: string): void;
}

/**
 * The memo of one REGISTRY namespace (by object identity) for KV_CACHE_TTL `kvCacheTtl` seconds;
 * `enabled: false` (MODEL_CACHE=off) keeps nothing.
 */
export function recordMemo(namespace: object, kvCacheTtl: number, enabled: boolean): RecordMemo {
  const keepMs = enabled ? (kvCacheTtl - KV_MIN_CACHE_TTL) * 1000 : 0;
  if (keepMs <= 0) return { cacheTtl: kvCacheTtl, get: () => undefined, set: () => {}, delete: () => {} };
  let kept = MEMO.get(namespace);
  return {
    cacheTtl: KV_MIN_CACHE_TTL,
    get(name) {
      const entry = kept?.get(name);
      if (entry === undefined) return undefined;
      if (Date.now() < entry.until) return entry.record;
      kept!.delete(name);
      return undefined;
    },
    set(name, record) {
      if (!kept) {
        kept = new Map();
        MEMO.set(namespace, kept);
      }
      const now = Date.now();
      if (kept.size >= MAX_RECORDS) for (const [k, e] of kept) if (e.until <= now) kept.delete(k);
      // Still full: drop the oldest (a Map iterates in insertion order).
      if (kept.size >= MAX_RECORDS) kept.delete(kept.keys().next().value!);
      kept.set(name, { record, until: now + keepMs });
    },
    delete(name) {
      kept?.delete(name);
    },
  };
}
