/**
 * The Monitor Durable Object (docs/monitoring.md, "The Monitor object: state, bounds, cost"): one
 * per model, in SQLite storage. The queue consumer folds each batch of log records into it (via
 * the QualitySink adapter, ./monitor-sink.ts), and so does the outcomes route; the predict path
 * never calls it. It keeps
 * - keyed predictions and the current outcome per key for the retention window, so an outcome
 *   that comes before its prediction joins as surely as one that comes after;
 * - one aggregate per (version, arm, hour) (core/monitoring/aggregate.ts) for the quality route;
 * - Triton's cumulative counters per version for the statistics route;
 * - the id of every record folded, so a retried batch or a repeated outcome counts once (a shadow
 *   row's id is its own: it shares request id and row with the answer's).
 * An alarm deletes what is older than the retention window (hours: at least 7 days).
 * One object per model, not per version: an outcome knows its key, not the version that predicted
 * it, and one object sees every version and arm of the model for the quality route.
 */
import { DurableObject } from "cloudflare:workers";
import { type Aggregate, addError, addJoined, addPrediction } from "../../core/monitoring/aggregate.ts";
import type { Monitoring } from "../../core/monitoring/manifest.ts";
import { supersedes } from "../../core/monitoring/outcomes.ts";
import type { ErrorRecord, OutcomeRecord, PredictionRecord, QueueRecord } from "../../core/monitoring/record.ts";
import type { VersionCounters } from "../../core/monitoring/stats.ts";
import { Buckets } from "./monitor-buckets.ts";
import { type QualityOptions, qualityDocument, statsRows } from "./monitor-read.ts";
import { type Judged, type JudgeOptions, judgeRollout } from "./monitor-rollouts.ts";
import {
  DAY_MS,
  EXPIRY_PERIOD_MS,
  HOUR_MS,
  MIN_HOURS_KEPT_DAYS,
  NO_ARM,
  NO_VERSION,
  SCHEMA,
  versionMonitoring,
} from "./monitor-schema.ts";

export interface FoldOptions {
  /** OUTCOME_RETENTION_DAYS: how long unjoined rows and record ids are kept. */
  retentionDays: number;
  /** By version: the manifest's `monitoring` section (task, positive_above, baseline), kept for later folds and reads. */
  monitoring?: Record<string, Monitoring>;
}

export interface FoldResult {
  predictions: number;
  errors: number;
  outcomes: number;
  /** Records folded before (their ids are in `seen`): they changed nothing. */
  duplicates: number;
  /** Prediction-outcome pairs joined by this fold. */
  joined: number;
  /** Outcomes older than the one already held for their key: kept out (the latest time wins). */
  superseded: number;
}

const instant = (iso: string, fallback: number) => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : fallback;
};

export class Monitor<E = unknown> extends DurableObject<E> {
  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      for (const statement of SCHEMA) ctx.storage.sql.exec(statement);
    });
  }

  private get sql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  /** Folds records (all of this object's model) once each; atomic: all of the batch or none of it. */
  async fold(records: QueueRecord[], options: FoldOptions): Promise<FoldResult> {
    const now = Date.now();
    const result = this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('retention_days', ?)", String(options.retentionDays));
      for (const [version, m] of Object.entries(options.monitoring ?? {}))
        this.sql.exec(
          "INSERT OR REPLACE INTO versions (version, monitoring) VALUES (?, ?)",
          Number(version),
          JSON.stringify(m),
        );
      const monitoring = versionMonitoring(this.sql);
      const buckets = new Buckets(this.sql);
      const r: FoldResult = { predictions: 0, errors: 0, outcomes: 0, duplicates: 0, joined: 0, superseded: 0 };
      for (const record of records) {
        // A shadow's records share their request id (and rows) with the answer's: their own ids.
        const shadow = record.kind !== "outcome" && record.arm === "shadow" ? "s" : "";
        const id =
          record.kind === "prediction"
            ? `${shadow}p:${record.request_id}#${record.row}`
            : record.kind === "error"
              ? `${shadow}e:${record.request_id}`
              : `o:${record.key}\u0000${record.value}`;
        if (!this.markSeen(id, now)) {
          r.duplicates++;
          continue;
        }
        if (record.kind === "prediction")
          r.joined += this.foldPrediction(record, buckets, now, monitoring(record.version));
        else if (record.kind === "error") this.foldError(record, buckets, now);
        else {
          const joined = this.foldOutcome(record, buckets, now, monitoring);
          if (joined === undefined) r.superseded++;
          else r.joined += joined;
        }
        r[record.kind === "prediction" ? "predictions" : record.kind === "error" ? "errors" : "outcomes"]++;
      }
      buckets.save();
      return r;
    });
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + EXPIRY_PERIOD_MS);
    return result;
  }

  private markSeen(id: string, now: number): boolean {
    return (
      this.sql
        .exec("INSERT INTO seen (id, received) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id", id, now)
        .toArray().length > 0
    );
  }

  private foldPrediction(r: PredictionRecord, buckets: Buckets, now: number, monitoring?: Monitoring): number {
    const time = instant(r.time, now);
    const hour = Math.floor(time / HOUR_MS);
    const bucket = buckets.get(r.version, r.arm, hour);
    addPrediction(bucket.agg, r, monitoring);
    // Triton's counters are the answers' own: a shadow run answered nobody.
    if (r.arm !== "shadow")
      buckets.count(r.version, time, {
        rows: 1,
        requests: r.row === 0 ? 1 : 0,
        ns: r.row === 0 ? r.latency_ms * 1e6 : 0,
      });
    if (r.key === null) return 0;
    const id = `${r.request_id}#${r.row}${r.arm === "shadow" ? "#shadow" : ""}`;
    this.sql.exec(
      "INSERT OR REPLACE INTO predictions (key, id, version, arm, hour, score, received) VALUES (?, ?, ?, ?, ?, ?, ?)",
      r.key,
      id,
      r.version,
      r.arm,
      hour,
      r.score,
      now,
    );
    const outcome = this.sql.exec<{ value: number }>("SELECT value FROM outcomes WHERE key = ?", r.key).toArray()[0];
    if (outcome === undefined) return 0;
    addJoined(bucket.joined, r.score, outcome.value, monitoring);
    return 1;
  }

  private foldError(r: ErrorRecord, buckets: Buckets, now: number): void {
    const time = instant(r.time, now);
    addError(buckets.get(r.version ?? NO_VERSION, r.arm ?? NO_ARM, Math.floor(time / HOUR_MS)).agg, r);
    if (r.version !== null && r.arm !== "shadow")
      buckets.count(r.version, time, { fails: 1, failNs: r.latency_ms * 1e6 });
  }

  /** Pairs joined, or undefined when an outcome with a later time is already held for the key. */
  private foldOutcome(
    o: OutcomeRecord,
    buckets: Buckets,
    now: number,
    monitoring: (version: number) => Monitoring | undefined,
  ): number | undefined {
    const time = instant(o.time, now);
    const current = this.sql
      .exec<{ value: number; time: number }>("SELECT value, time FROM outcomes WHERE key = ?", o.key)
      .toArray()[0];
    if (current !== undefined && !supersedes({ value: o.value, time }, current)) return undefined;
    this.sql.exec(
      "INSERT OR REPLACE INTO outcomes (key, value, time, received) VALUES (?, ?, ?, ?)",
      o.key,
      o.value,
      time,
      now,
    );
    const pending = this.sql
      .exec<{ version: number; arm: string; hour: number; score: number }>(
        "SELECT version, arm, hour, score FROM predictions WHERE key = ?",
        o.key,
      )
      .toArray();
    if (current === undefined) {
      for (const p of pending)
        addJoined(buckets.get(p.version, p.arm, p.hour).joined, p.score, o.value, monitoring(p.version));
    } else {
      // A changed value: the hours it touched are rebuilt from the stored pairs (the old value is in none).
      const touched = new Map(pending.map((p) => [`${p.version}|${p.arm}|${p.hour}`, p]));
      for (const p of touched.values()) buckets.rebuildJoined(p.version, p.arm, p.hour, monitoring(p.version));
    }
    return pending.length;
  }

  /** The quality route's document (core/monitoring/report.ts QualityDocument). */
  async quality(model: string, options: QualityOptions) {
    return qualityDocument(this.sql, model, options, versionMonitoring(this.sql));
  }

  /** Triton's statistics per version (all versions when `version` is undefined). */
  async stats(version?: number): Promise<VersionCounters[]> {
    return statsRows(this.sql, version);
  }

  /**
   * One evaluation of an active rollout of this model, serialised here and applied once per
   * (rollout id, seq) (./monitor-rollouts.ts, docs/rollouts.md).
   */
  async judgeRollout(rollout: unknown, options: JudgeOptions): Promise<Judged> {
    return judgeRollout(this.ctx.storage, rollout, options);
  }

  /** Row counts per table (docs and tests of the bound). */
  async sizes(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of ["seen", "predictions", "outcomes", "hours", "stats"])
      out[table] = this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
    return out;
  }

  /** Expiry: rows older than the retention window go; the alarm repeats while rows remain. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const meta = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'retention_days'").toArray()[0];
    const days = Number(meta?.v ?? 14);
    const cutoff = now - days * DAY_MS;
    const hourCutoff = Math.floor((now - Math.max(days, MIN_HOURS_KEPT_DAYS) * DAY_MS) / HOUR_MS);
    this.ctx.storage.transactionSync(() => {
      for (const table of ["seen", "predictions", "outcomes"])
        this.sql.exec(`DELETE FROM ${table} WHERE received < ?`, cutoff);
      this.sql.exec("DELETE FROM hours WHERE hour < ?", hourCutoff);
    });
    const { stats: _versions, ...expiring } = await this.sizes();
    const left = Object.values(expiring).reduce((s, n) => s + n, 0);
    if (left > 0) await this.ctx.storage.setAlarm(now + EXPIRY_PERIOD_MS);
  }
}

export type { Aggregate };
