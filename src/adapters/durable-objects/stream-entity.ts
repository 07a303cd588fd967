/**
 * The Durable Object of one stream entity (docs/streams.md): one object per entity KV key
 * (`s:<stream>:<key>`, named by it), keeping that entity's time-bucketed partial aggregates in
 * its SQLite storage and writing the entity's KV value from an alarm.
 *
 * - Idempotent: every accepted event id is stored; an id seen before changes nothing.
 * - Any order: a bucket is a commutative merge of its events (core/streams/buckets.ts).
 * - Lateness: the watermark is the entity's newest event time; an event older than the watermark
 *   of earlier requests minus the lateness is refused and counted in the answer, never applied.
 * - Durable and atomic: a batch is applied in one storage transaction before `apply` returns;
 *   nothing lives in memory, so a restart loses nothing and a failed batch applies nothing.
 * - Bounded: event ids older than the lateness horizon and buckets older than the longest
 *   window + lateness are deleted as the watermark moves (a re-sent old id is then refused as late).
 * - KV writes: at most one per `minWriteIntervalMs` (KV allows one write per second per key), by
 *   an alarm; a failed write is retried by the alarm with backoff (up to a minute apart).
 */
import { DurableObject } from "cloudflare:workers";
import { addToBucket, type Bucket, bucketFor, keepFrom } from "../../core/streams/buckets.ts";
import { type EntityConfig, renderValue } from "../../core/streams/entity.ts";
import type { EntityUpdate } from "../../core/streams/events.ts";
import type { KvWriter } from "./fact-aggregator.ts";

export interface EntityApplyResult {
  applied: number;
  duplicates: number;
  /** Ids of the events refused as later than the declared lateness. */
  lateIds: string[];
}

interface Meta {
  key: string;
  watermark: number;
  config: EntityConfig;
  /** By aggregation: buckets before this were compacted. */
  from: Record<string, number>;
  version: number;
  written: number;
  writtenAt: number;
  failures: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, t INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS events_t ON events (t);
CREATE TABLE IF NOT EXISTS buckets (agg TEXT NOT NULL, start INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (agg, start));
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);`;

export class StreamEntity extends DurableObject<{ CONTEXT: KVNamespace }> {
  protected readonly minWriteIntervalMs: number = 1000;

  constructor(ctx: DurableObjectState, env: { CONTEXT: KVNamespace }) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  /** Where the value is written (the context KV namespace). */
  protected store(): KvWriter {
    return this.env.CONTEXT;
  }

  private meta(): Meta | undefined {
    const row = this.ctx.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'meta'").toArray()[0];
    return row ? (JSON.parse(row.v) as Meta) : undefined;
  }

  private saveMeta(meta: Meta): void {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('meta', ?)", JSON.stringify(meta));
  }

  /** Applies one batch of `key`'s updates atomically. */
  async apply(key: string, config: EntityConfig, updates: EntityUpdate[]): Promise<EntityApplyResult> {
    const result = this.ctx.storage.transactionSync(() => this.applySync(key, config, updates));
    if (result.changed) await this.schedule(this.meta()!);
    return { applied: result.applied, duplicates: result.duplicates, lateIds: result.lateIds };
  }

  private applySync(key: string, config: EntityConfig, updates: EntityUpdate[]) {
    const sql = this.ctx.storage.sql;
    const meta: Meta = this.meta() ?? {
      key,
      watermark: Number.NEGATIVE_INFINITY,
      config,
      from: {},
      version: 0,
      written: -1,
      writtenAt: 0,
      failures: 0,
    };
    if (meta.key !== key) throw new Error(`stream entity ${meta.key} was sent updates for ${key}`);
    meta.config = config;
    // Late: older than the newest event of EARLIER requests minus the lateness. Within one
    // request nothing is late for another of its events, so a batch's order never matters.
    const refuseBefore = meta.watermark - config.lateness_ms;
    const watermark = Math.max(meta.watermark, ...updates.map((u) => u.time));
    const horizon = watermark - config.lateness_ms;
    let applied = 0;
    let duplicates = 0;
    const lateIds: string[] = [];
    for (const u of updates) {
      if (u.time < refuseBefore) {
        lateIds.push(u.id);
        continue;
      }
      if (sql.exec("INSERT OR IGNORE INTO events (id, t) VALUES (?, ?)", u.id, u.time).rowsWritten === 0) {
        duplicates++;
        continue;
      }
      for (const [agg, value] of Object.entries(u.aggs)) {
        const c = config.aggs[agg];
        if (!c) continue;
        const start = bucketFor(u.time, c.bucket_ms, c.align);
        const row = sql
          .exec<{ state: string }>("SELECT state FROM buckets WHERE agg = ? AND start = ?", agg, start)
          .toArray()[0];
        const next = addToBucket(c.fn, row ? (JSON.parse(row.state) as Bucket) : undefined, start, {
          id: u.id,
          time: u.time,
          value,
        });
        sql.exec(
          "INSERT OR REPLACE INTO buckets (agg, start, state) VALUES (?, ?, ?)",
          agg,
          start,
          JSON.stringify(next),
        );
      }
      applied++;
    }
    let compacted = false;
    if (applied > 0) {
      meta.watermark = watermark;
      sql.exec("DELETE FROM events WHERE t < ?", horizon);
      for (const [agg, c] of Object.entries(config.aggs)) {
        const keep = keepFrom(watermark, c.retention_ms, c.bucket_ms);
        if (sql.exec("DELETE FROM buckets WHERE agg = ? AND start < ?", agg, keep).rowsWritten > 0) {
          meta.from[agg] = Math.max(meta.from[agg] ?? 0, keep);
          compacted = true;
        }
      }
      meta.version++;
      this.saveMeta(meta);
    }
    return { applied, duplicates, lateIds, changed: applied > 0 || compacted };
  }

  /** The value as the alarm would write it now (for tests, operators and the CLI). */
  value(): unknown {
    const meta = this.meta();
    if (!meta) return null;
    const buckets = new Map<string, Bucket[]>();
    for (const row of this.ctx.storage.sql.exec<{ agg: string; state: string }>("SELECT agg, state FROM buckets")) {
      const list = buckets.get(row.agg) ?? [];
      list.push(JSON.parse(row.state) as Bucket);
      buckets.set(row.agg, list);
    }
    return renderValue(meta.config, meta.watermark, meta.from, buckets);
  }

  /** Writes the value when it changed since the last write; reschedules itself on failure. */
  override async alarm(): Promise<void> {
    const meta = this.meta();
    if (!meta || meta.written === meta.version) return;
    const version = meta.version;
    const value = JSON.stringify(this.value());
    try {
      await this.store().put(meta.key, value);
    } catch {
      // Batches applied while the write was in flight are in storage; re-read before saving.
      const now = this.meta() ?? meta;
      now.failures++;
      this.saveMeta(now);
      await this.ctx.storage.setAlarm(Date.now() + Math.min(60_000, this.minWriteIntervalMs * 2 ** now.failures));
      return;
    }
    const now = this.meta() ?? meta;
    now.written = version;
    now.writtenAt = Date.now();
    now.failures = 0;
    this.saveMeta(now);
    if (now.version !== version) await this.schedule(now);
  }

  /** What the object holds (for tests and operators). */
  async state(): Promise<{
    key?: string;
    version: number;
    written: number;
    failures: number;
    events: number;
    buckets: number;
  }> {
    const meta = this.meta();
    const count = (table: string) =>
      this.ctx.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
    return {
      ...(meta ? { key: meta.key } : {}),
      version: meta?.version ?? 0,
      written: meta?.written ?? -1,
      failures: meta?.failures ?? 0,
      events: count("events"),
      buckets: count("buckets"),
    };
  }

  /** An alarm at the earliest time a write is allowed, unless one is already set. */
  private async schedule(meta: Meta): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) !== null) return;
    await this.ctx.storage.setAlarm(Math.max(Date.now(), meta.writtenAt + this.minWriteIntervalMs));
  }
}
