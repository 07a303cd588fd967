/**
 * Values a client sends only to get them back: the v1 pass-through fields (`key`, …) echoed with
 * each prediction and the v2 request `id`. Each may hold at most MAX_PASSTHROUGH_BYTES of JSON, so
 * an answer never carries megabytes the client sent (and the walk that measures it is bounded).
 */
import { invalidInput } from "../errors.ts";

export const MAX_PASSTHROUGH_BYTES = 256;

const encoder = new TextEncoder();

/** The UTF-8 length of `value` as JSON, or undefined once it is certainly over `limit` (bounded work either way). */
function jsonBytesWithin(value: unknown, limit: number): number | undefined {
  let budget = limit;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    budget -= 1; // every value takes at least one byte
    if (typeof node === "string") budget -= node.length;
    else if (Array.isArray(node)) stack.push(...node.slice(0, limit));
    else if (node !== null && typeof node === "object") {
      for (const [key, child] of Object.entries(node).slice(0, limit)) {
        budget -= key.length;
        stack.push(child);
      }
    }
    if (budget < 0) return undefined;
  }
  // Small and shallow by now: printing it is cheap and cannot overflow the stack.
  const bytes = encoder.encode(JSON.stringify(value)).length;
  return bytes <= limit ? bytes : undefined;
}

/** Refuses a pass-through value over the limit (a string: its UTF-8 bytes; anything else: its JSON), naming the field. */
export function checkPassthrough(value: unknown, where: string): void {
  if (typeof value === "string") {
    if (value.length <= MAX_PASSTHROUGH_BYTES && encoder.encode(value).length <= MAX_PASSTHROUGH_BYTES) return;
  } else if (jsonBytesWithin(value, MAX_PASSTHROUGH_BYTES) !== undefined) return;
  const size = typeof value === "string" ? `${encoder.encode(value).length} bytes` : "more";
  throw invalidInput(
    `${where}: pass-through values are echoed with the answer, so at most ${MAX_PASSTHROUGH_BYTES} bytes are allowed, got ${size}`,
  );
}
