/**
 * The hour buckets and the per-version counters one fold touches, read once and written once (rows
 * written per batch, not per record): each bucket holds the bucket's aggregate of predictions and errors (`agg`) and, apart, its
 * aggregate of joined pairs (`joined`), which a superseded outcome rebuilds from the stored pairs.
 */
import { type Aggregate, addJoined, emptyAggregate } from "../../core/monitoring/aggregate.ts";
import type { Monitoring } from "../../core/monitoring/manifest.ts";

export interface Bucket {
  version: number;
  arm: string;
  hour: number;
  agg: Aggregate;
  joined: Aggregate;
}

interface Tally {
  rows: number;
  requests: number;
  ns: number;
  fails: number;
  failNs: number;
  last: number;
}

export class Buckets {
  private readonly held = new Map<string, Bucket>();
  private readonly tallies = new Map<number, Tally>();

  constructor(private readonly sql: SqlStorage) {}

  get(version: number, arm: string, hour: number): Bucket {
    const k = `${version}|${arm}|${hour}`;
    let bucket = this.held.get(k);
    if (bucket === undefined) {
      const row = this.sql
        .exec<{ agg: string; joined: string }>(
          "SELECT agg, joined FROM hours WHERE version = ? AND arm = ? AND hour = ?",
          version,
          arm,
          hour,
        )
        .toArray()[0];
      bucket = {
        version,
        arm,
        hour,
        agg: row ? (JSON.parse(row.agg) as Aggregate) : emptyAggregate(),
        joined: row ? (JSON.parse(row.joined) as Aggregate) : emptyAggregate(),
      };
      this.held.set(k, bucket);
    }
    return bucket;
  }

  /** The hour's joined aggregate again from its stored predictions and the current outcomes. */
  rebuildJoined(version: number, arm: string, hour: number, monitoring?: Monitoring): void {
    const bucket = this.get(version, arm, hour);
    bucket.joined = emptyAggregate();
    const pairs = this.sql.exec<{ score: number; value: number }>(
      `SELECT p.score AS score, o.value AS value FROM predictions p JOIN outcomes o ON o.key = p.key
       WHERE p.version = ? AND p.arm = ? AND p.hour = ?`,
      version,
      arm,
      hour,
    );
    for (const { score, value } of pairs) addJoined(bucket.joined, score, value, monitoring);
  }

  /** Adds to a version's Triton counters (written by `save`). */
  count(version: number, time: number, d: Partial<Omit<Tally, "last">>): void {
    const t = this.tallies.get(version) ?? { rows: 0, requests: 0, ns: 0, fails: 0, failNs: 0, last: 0 };
    t.rows += d.rows ?? 0;
    t.requests += d.requests ?? 0;
    t.ns += d.ns ?? 0;
    t.fails += d.fails ?? 0;
    t.failNs += d.failNs ?? 0;
    if (d.rows) t.last = Math.max(t.last, time);
    this.tallies.set(version, t);
  }

  save(): void {
    for (const [version, t] of this.tallies)
      this.sql.exec(
        `INSERT INTO stats (version, inference_count, execution_count, success_count, success_ns, fail_count, fail_ns, last_inference)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (version) DO UPDATE SET inference_count = inference_count + ?2, execution_count = execution_count + ?3,
           success_count = success_count + ?3, success_ns = success_ns + ?4, fail_count = fail_count + ?5,
           fail_ns = fail_ns + ?6, last_inference = max(last_inference, ?7)`,
        version,
        t.rows,
        t.requests,
        Math.round(t.ns),
        t.fails,
        Math.round(t.failNs),
        t.last,
      );
    for (const b of this.held.values())
      this.sql.exec(
        "INSERT OR REPLACE INTO hours (version, arm, hour, agg, joined) VALUES (?, ?, ?, ?, ?)",
        b.version,
        b.arm,
        b.hour,
        JSON.stringify(b.agg),
        JSON.stringify(b.joined),
      );
  }
}
