/**
 * Which version an unqualified request gets. The model's `stable` label when it has one, else
 * its latest version; a `canary` label with a percentage takes that share of the traffic,
 * chosen by a hash of the request's routing key, so the same key always lands on the same
 * version on every isolate (no state, no randomness).
 */
import { CANARY_LABEL, DEFAULT_LABEL } from "./record.ts";
import type { ModelIndexEntry } from "./source.ts";

/**
 * Where a key falls in [0, 100): the first four bytes of sha256("<model>\n<key>") as a
 * big-endian unsigned integer, scaled. Documented so clients can predict their split.
 */
export async function trafficBucket(model: string, key: string): Promise<number> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${model}\n${key}`)));
  const u32 = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
  return (u32 / 2 ** 32) * 100;
}

/** The version unqualified requests get, before any canary split. */
export function defaultVersion(entry: ModelIndexEntry): number {
  const stable = entry.labels[DEFAULT_LABEL];
  return stable !== undefined && entry.versions.includes(stable) ? stable : Math.max(...entry.versions);
}

/** The default version, or the canary's when the routing key falls inside its share. */
export async function routeDefault(
  entry: ModelIndexEntry,
  routingKey: (() => string | undefined) | undefined,
): Promise<number> {
  const base = defaultVersion(entry);
  const canary = entry.labels[CANARY_LABEL];
  const percent = entry.canaryPercent ?? 0;
  if (canary === undefined || percent <= 0 || canary === base || !entry.versions.includes(canary)) return base;
  const key = routingKey?.();
  if (key === undefined) return base;
  return (await trafficBucket(entry.name, key)) < percent ? canary : base;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const keyOf = (v: unknown) =>
  typeof v === "string" || (typeof v === "number" && Number.isFinite(v)) ? String(v) : undefined;

/**
 * The routing key of a request body: the v2 `id`, else the v1 pass-through `key` of the first
 * row (row or columnar format), else the request itself (the same request lands on the same
 * version). Computed only when a canary is active.
 */
export function routingKeyOf(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  if (typeof body.id === "string" && body.id !== "") return body.id;
  const first = Array.isArray(body.instances) ? body.instances[0] : undefined;
  const rowKey = isObject(first) ? keyOf(first.key) : undefined;
  if (rowKey !== undefined) return rowKey;
  const columns = isObject(body.inputs) && Array.isArray(body.inputs.key) ? keyOf(body.inputs.key[0]) : undefined;
  if (columns !== undefined) return columns;
  try {
    return JSON.stringify(body);
  } catch {
    return undefined; // nested too deep to print: the codec refuses it with a 400 anyway
  }
}
