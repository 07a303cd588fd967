/**
 * The hour buckets one fold touches, read once and written once (rows written per batch, not per
 * record): each holds the bucket's aggregate of predictions and errors (`agg`) and, apart, its
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

export class Buckets {
  private readonly held = new Map<string, Bucket>();

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

  save(): void {
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
