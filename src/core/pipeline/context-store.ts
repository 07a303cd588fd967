/**
 * The ContextStore port: where pipelines read each request's context (Workers KV in the Worker,
 * src/adapters/kv; a Map in unit tests). One call per request with every key of the batch.
 */
/** Result of reading context: values found by key, and whether the store itself failed. */
export interface ContextResult {
  values: ReadonlyMap<string, unknown>;
  /** True when the store errored or timed out; the values found so far are still usable. */
  degraded: boolean;
}

/** An external key-value store of context (KV in the Worker, a Map in unit tests). */
export interface ContextStore {
  getMany(keys: readonly string[]): Promise<ContextResult>;
}
