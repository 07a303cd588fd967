/**
 * Per-request sampling of the prediction log, stateless and deterministic: a request is kept
 * when the FNV-1a 32-bit hash of its request id, scaled to [0, 1), is below the model's
 * `monitoring.sample`. The same request id is kept or dropped on every isolate, with no state
 * and no randomness, and a request's rows are kept or dropped together.
 */

/** FNV-1a over the UTF-16 code units of `text`, as an unsigned 32-bit integer. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function sampled(requestId: string, sample: number): boolean {
  if (sample >= 1) return true;
  if (sample <= 0) return false;
  return fnv1a(requestId) / 2 ** 32 < sample;
}
