/**
 * The ContextStore port: where pipelines read each request's context (Workers KV in the Worker,
 * src/adapters/kv; a Map in unit tests). One call per request with every key of the batch.
 */
/** Result of reading context: values found by key, and whether the store itself failed. */
export interface ContextResult {
  values: ReadonlyMap<string, unknown>;
  /** True when the store errored or timed out; the values found so far are still usable. */
  degraded: boolean;
  /**
   * Keys whose value could not be read (store error, timeout, or a stored value that is not
   * JSON): unlike a key absent from `values` and from here, their absence says nothing about
   * the store. Optional, so a plain Map-backed store need not fill it.
   */
  failed?: ReadonlySet<string>;
}

/** An external key-value store of context (KV in the Worker, a Map in unit tests). */
export interface ContextStore {
  getMany(keys: readonly string[]): Promise<ContextResult>;
}
