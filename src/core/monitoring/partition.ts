/**
 * The queue consumer's pure half: which messages are well-formed records, and where each one's
 * Parquet file goes (Hive partitions, docs/monitoring.md):
 *   logs/predictions/model=<m>/version=<v>/date=<YYYY-MM-DD>/<first message id>.parquet
 *   logs/outcomes/model=<m>/date=<YYYY-MM-DD>/<first message id>.parquet
 * Error records have no file (they are counted by the quality sink only).
 */
import type { QueueRecord } from "./record.ts";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isInstant = (v: unknown) => typeof v === "string" && ISO.test(v) && !Number.isNaN(Date.parse(v));
const isText = (v: unknown) => typeof v === "string";
const orNull = (check: (v: unknown) => boolean) => (v: unknown) => v === null || check(v);
/** Numbers as the queue's JSON carries them: NaN and infinities arrive as null. */
const isNumber = (v: unknown) => v === null || (typeof v === "number" && Number.isFinite(v));
const isNumbers = (v: unknown) => Array.isArray(v) && v.every(isNumber);
const isCount = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isLookup = (v: unknown) =>
  isObject(v) && isText(v.lookup) && isText(v.key) && isText(v.status) && orNull(isText)(v.updated_at);

type Checks = Record<string, (v: unknown) => boolean>;
const CHECKS: Record<QueueRecord["kind"], Checks> = {
  prediction: {
    time: isInstant,
    request_id: isText,
    protocol: isText,
    model: isText,
    version: isCount,
    arm: isText,
    label: orNull(isText),
    row: isCount,
    key: orNull(isText),
    as_of: orNull(isInstant),
    fields: orNull(isText),
    features: isNumbers,
    outputs: (v) => isObject(v) && Object.values(v).every(isNumbers),
    score: isNumber,
    lookups: (v) => Array.isArray(v) && v.every(isLookup),
    latency_ms: isNumber,
  },
  error: {
    time: isInstant,
    request_id: isText,
    protocol: isText,
    model: isText,
    version: orNull(isCount),
    arm: orNull(isText),
    code: isText,
    status: isCount,
    latency_ms: isNumber,
  },
  outcome: { model: isText, key: isText, value: (v) => typeof v === "number" && Number.isFinite(v), time: isInstant },
};

/** The record a message carries, or why it is not one (the first bad field). */
export function checkRecord(body: unknown): QueueRecord | string {
  if (!isObject(body)) return "not an object";
  const checks = CHECKS[body.kind as QueueRecord["kind"]];
  if (!checks) return `unknown kind ${JSON.stringify(body.kind) ?? "undefined"}`;
  for (const [field, check] of Object.entries(checks)) {
    if (!check(body[field])) return `${body.kind}.${field}: unexpected ${JSON.stringify(body[field]) ?? "undefined"}`;
  }
  if (body.model === "") return `${body.kind}.model: empty`;
  // A shadow row's answered side (record.ts ServedRow), when present.
  if (body.kind === "prediction" && body.served !== undefined) {
    const s = body.served;
    if (!(isObject(s) && isCount(s.version) && isText(s.arm) && isNumber(s.score) && typeof s.same_class === "boolean"))
      return `prediction.served: unexpected ${JSON.stringify(s) ?? "undefined"}`;
  }
  return body as unknown as QueueRecord;
}

/** A Hive partition value: escaped like Hive does for path-unsafe characters. */
const part = (value: string | number) => encodeURIComponent(String(value));

/** The partition directory a record's file goes to, or undefined for records with no file. */
export function partitionOf(record: QueueRecord): string | undefined {
  const date = record.time.slice(0, 10);
  if (record.kind === "prediction")
    return `logs/predictions/model=${part(record.model)}/version=${record.version}/date=${date}`;
  if (record.kind === "outcome") return `logs/outcomes/model=${part(record.model)}/date=${date}`;
  return undefined;
}

/** Groups items by their record's partition, in first-seen order (items with none are left out). */
export function byPartition<T extends { record: QueueRecord }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const path = partitionOf(item.record);
    if (path === undefined) continue;
    const group = groups.get(path);
    if (group) group.push(item);
    else groups.set(path, [item]);
  }
  return groups;
}
