/**
 * The body of `POST /v2/models/{name}/outcomes` (docs/monitoring.md, "Outcomes"): true values for
 * row keys, reported after the fact, validated whole before anything is applied, so a bad row is a
 * 400 naming `outcomes[i].field` (what was expected, what came) and nothing of the request counts.
 *
 *   {"outcomes": [{"key": "UA123-2001-06-15", "value": 1, "time": "2001-06-15T17:42:00Z"}]}
 *
 * - `key`: the row key the prediction was logged with (v1 pass-through `key`, v2 `<id>#<row>`, or
 *   the manifest's `monitoring.key_field`).
 * - `value`: a finite number (0/1 for binary models, the measured value for regression).
 * - `time`: when the outcome became known, an ISO 8601 instant. For one key, the outcome with the
 *   latest `time` wins (a tie: the larger value, so the choice never depends on arrival order).
 */
import { parseInstant } from "../context/time.ts";
import { describeValue, invalidInput } from "../errors.ts";
import type { Outcome } from "./record.ts";

/** Outcomes in one request. */
export const MAX_OUTCOMES = 1000;
/** Longest key (the same bound as the ingestion feed's ids). */
export const MAX_KEY_LENGTH = 200;

export function parseOutcomes(body: unknown, model: string, max = MAX_OUTCOMES): Outcome[] {
  const rows = (body as { outcomes?: unknown } | null)?.outcomes;
  if (body === null || typeof body !== "object" || Array.isArray(body) || !Array.isArray(rows))
    throw invalidInput(`outcomes: expected {"outcomes": [ … ]}, got ${describeValue(rows ?? body)}`);
  if (rows.length === 0 || rows.length > max)
    throw invalidInput(`outcomes: expected 1 to ${max} outcomes, got ${rows.length}`);
  return rows.map((raw, i) => parseOutcome(raw, model, `outcomes[${i}]`));
}

function parseOutcome(raw: unknown, model: string, at: string): Outcome {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw invalidInput(`${at}: expected an object with key, value and time, got ${describeValue(raw)}`);
  const { key, value, time } = raw as Record<string, unknown>;
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH)
    throw invalidInput(`${at}.key: expected a string of 1-${MAX_KEY_LENGTH} characters, got ${describeValue(key)}`);
  if (typeof value !== "number" || !Number.isFinite(value))
    throw invalidInput(
      `${at}.value: expected a finite number (0 or 1 for a binary model), got ${describeValue(value)}`,
    );
  const ms = parseInstant(time);
  if (ms === undefined)
    throw invalidInput(`${at}.time: expected an ISO 8601 instant ("2001-06-15T17:42:00Z"), got ${describeValue(time)}`);
  return { model, key, value, time: new Date(ms).toISOString() };
}

/** Whether `next` replaces `current` for the same key: the later time wins; a tie, the larger value. */
export function supersedes(next: { value: number; time: number }, current: { value: number; time: number }): boolean {
  return next.time > current.time || (next.time === current.time && next.value > current.value);
}

/** A key as the prediction log keeps it under `monitoring.hash_key`: `sha256:<hex>` of its UTF-8 bytes. */
export async function hashedKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
