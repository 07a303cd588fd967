/**
 * The Monitor object's SQLite tables (src/adapters/durable-objects/monitor.ts; sizes and costs in
 * docs/monitoring.md, "The Monitor object: state, bounds, cost"). Every row is bounded in time:
 * `received` (the object's clock when the row arrived) or `hour` is what the alarm expires by.
 * Tables keyed by text are WITHOUT ROWID, so a row is one b-tree entry (no second index to write).
 */
import type { Monitoring } from "../../core/monitoring/manifest.ts";

export const SCHEMA = [
  // Idempotence: one row per record ever folded (p:<request_id>#<row>, e:<request_id>, o:<key>\0<value>;
  // a shadow's rows and errors: sp:…, se:…).
  `CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, received INTEGER NOT NULL) WITHOUT ROWID`,
  // Predictions with a key, waiting for (or joined with) their outcome; keyed for lookups by key.
  `CREATE TABLE IF NOT EXISTS predictions (
     key TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, arm TEXT NOT NULL,
     hour INTEGER NOT NULL, score REAL NOT NULL, received INTEGER NOT NULL,
     PRIMARY KEY (key, id)) WITHOUT ROWID`,
  // The current outcome per key (latest `time` wins), waiting for (or joined with) predictions.
  `CREATE TABLE IF NOT EXISTS outcomes (
     key TEXT PRIMARY KEY, value REAL NOT NULL, time INTEGER NOT NULL, received INTEGER NOT NULL) WITHOUT ROWID`,
  // One bucket per (version, arm, hour): core/monitoring/aggregate.ts JSON; `joined` holds the
  // addJoined part apart, so a superseded outcome can rebuild it from the two tables above.
  `CREATE TABLE IF NOT EXISTS hours (
     version INTEGER NOT NULL, arm TEXT NOT NULL, hour INTEGER NOT NULL, agg TEXT NOT NULL, joined TEXT NOT NULL,
     PRIMARY KEY (version, arm, hour)) WITHOUT ROWID`,
  // Triton's cumulative statistics per version (since the object was created).
  `CREATE TABLE IF NOT EXISTS stats (
     version INTEGER PRIMARY KEY, inference_count INTEGER NOT NULL, execution_count INTEGER NOT NULL,
     success_count INTEGER NOT NULL, success_ns INTEGER NOT NULL, fail_count INTEGER NOT NULL,
     fail_ns INTEGER NOT NULL, last_inference INTEGER NOT NULL)`,
  // Each version's manifest `monitoring` section as last given by a fold (task, positive_above, baseline).
  `CREATE TABLE IF NOT EXISTS versions (version INTEGER PRIMARY KEY, monitoring TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID`,
  // Staged rollouts of this model (docs/rollouts.md): the newest state the Cron evaluation decided
  // per rollout id, so a decision is applied once per (id, seq). One row per rollout ever run.
  `CREATE TABLE IF NOT EXISTS rollouts (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, rollout TEXT NOT NULL) WITHOUT ROWID`,
];

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Hour buckets are kept at least this long: the longest quality window (7 d). */
export const MIN_HOURS_KEPT_DAYS = 7;
/** The alarm's period: expiry runs at most this often while the object holds rows. */
export const EXPIRY_PERIOD_MS = HOUR_MS;
/** A null version or arm (an error before the version was chosen) is stored as these. */
export const NO_VERSION = -1;
export const NO_ARM = "none";

/** Each version's manifest `monitoring` section, read once per call. */
export function versionMonitoring(sql: SqlStorage): (version: number) => Monitoring | undefined {
  const held = new Map<number, Monitoring | undefined>();
  return (version) => {
    if (!held.has(version)) {
      const row = sql
        .exec<{ monitoring: string }>("SELECT monitoring FROM versions WHERE version = ?", version)
        .toArray()[0];
      held.set(version, row ? (JSON.parse(row.monitoring) as Monitoring) : undefined);
    }
    return held.get(version);
  };
}
