/**
 * One lookup of one row, resolved against what the store returned: its status at the row's
 * `as_of` (docs/context-time.md) and the values the features use.
 *   failed key (store error, timeout, not JSON)      -> error   (defaults; the row is degraded)
 *   no value                                          -> missing (defaults)
 *   not an object, a field of the wrong type, or an
 *   unreadable updated_at                             -> error   (defaults)
 *   updated_at after as_of                            -> future  (defaults: not yet known then)
 *   older than max_age_s (or no updated_at with one)  -> stale   (defaults, or the value under `flag`)
 *   otherwise                                         -> present
 * A stream lookup (`stream` set) computes its fields as windows at `as_of` (./windowed.ts).
 */

import { defaultFits, type Lookup, type Scalar, templateFields } from "./spec.ts";
import { freshness, parseInstant } from "./time.ts";
import { readWindowed } from "./windowed.ts";

export type LookupStatus = "present" | "missing" | "stale" | "future" | "error";

export interface LookupOutcome {
  key: string;
  status: LookupStatus;
  /** The value's `updated_at` as stored, when it had one. */
  updated_at: string | null;
  /** The values the features used, by field name (stored or default). */
  values: Record<string, Scalar>;
  /** Whether the declared defaults were used instead of the stored value. */
  defaulted: boolean;
  /** Why the value was not used (error only). */
  reason?: string;
}

/**
 * A lookup's key builder, made once per loaded model: the KV key for one row's request fields
 * (numbers as JavaScript prints them; a field named twice is filled in twice).
 */
export function lookupKey(lookup: Lookup): (row: Readonly<Record<string, Scalar>>) => string {
  const fields = templateFields(lookup.key);
  const texts = lookup.key.split(/\{[^{}]*\}/);
  return (row) => {
    let key = texts[0]!;
    for (let i = 0; i < fields.length; i++) key += String(row[fields[i]!]) + texts[i + 1]!;
    return key;
  };
}

export interface Found {
  values: ReadonlyMap<string, unknown>;
  failed?: ReadonlySet<string>;
}

export function resolveLookup(lookup: Lookup, key: string, found: Found, asOf: number): LookupOutcome {
  const defaults = Object.fromEntries(lookup.fields.map((f) => [f.name, f.default]));
  const fallback = (status: LookupStatus, updated_at: string | null, reason?: string): LookupOutcome => ({
    key,
    status,
    updated_at,
    values: defaults,
    defaulted: true,
    ...(reason ? { reason } : {}),
  });
  if (found.failed?.has(key)) return fallback("error", null, "the store did not answer for this key");
  const raw = found.values.get(key);
  if (raw === undefined || raw === null) return fallback("missing", null);
  if (typeof raw !== "object" || Array.isArray(raw)) return fallback("error", null, "the value is not a JSON object");
  const value = raw as Record<string, unknown>;
  const stamp = value.updated_at;
  const updated_at = typeof stamp === "string" ? stamp : null;
  if (lookup.stream !== undefined) {
    const read = readWindowed(lookup, value, asOf);
    if (read.status === "error") return fallback("error", updated_at, read.reason);
    if (read.status === "stale" && lookup.stale === "default") return fallback("stale", updated_at);
    return { key, status: read.status, updated_at, values: read.values, defaulted: false };
  }
  const values: Record<string, Scalar> = {};
  for (const f of lookup.fields) {
    const v = value[f.name];
    if (!defaultFits(f.dtype, v)) {
      return fallback(
        "error",
        updated_at,
        `field '${f.name}' should be a ${f.dtype}, the value has ${JSON.stringify(v) ?? "none"}`,
      );
    }
    values[f.name] = v as Scalar;
  }
  let status: LookupStatus = "present";
  if (stamp !== undefined) {
    const updatedAt = parseInstant(stamp);
    if (updatedAt === undefined) return fallback("error", updated_at, "updated_at is not an ISO 8601 instant");
    status = freshness({ updatedAt, asOf, ...(lookup.max_age_s !== undefined ? { maxAgeS: lookup.max_age_s } : {}) });
  } else if (lookup.max_age_s !== undefined) {
    status = "stale"; // its age cannot be vouched for
  }
  if (status === "future") return fallback("future", updated_at);
  if (status === "stale" && lookup.stale === "default") return fallback("stale", updated_at);
  return { key, status, updated_at, values, defaulted: false };
}
