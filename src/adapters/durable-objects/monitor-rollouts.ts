/**
 * The Monitor object's part in staged rollouts (docs/rollouts.md, "The Cron evaluation"): the
 * evidence is its own hour buckets, and it is where evaluations of one model are serialised.
 * `judgeRollout` runs synchronously inside one storage transaction: it compares the rollout it is
 * given with the newest one it decided (the `rollouts` table), decides only when the caller's copy
 * is that newest one (same id, seq not behind), and stores the result before answering. A second
 * Cron run with the same (or an older) copy gets the stored decision back, not a new one.
 */
import { type Aggregate, emptyAggregate, merge } from "../../core/monitoring/aggregate.ts";
import { evaluateRollout } from "../../core/rollouts/evaluate.ts";
import { parseRollout, type Rollout } from "../../core/rollouts/schema.ts";

export interface JudgeOptions {
  /** The evaluation's time (the Cron's scheduledTime), epoch ms. */
  now: number;
  /** KV_CACHE_TTL (s): how long a record change takes to reach every isolate. */
  kvCacheTtl: number;
}

export interface Judged {
  rollout: Rollout;
  /** True when this call decided; false when it returned a decision taken before. */
  fresh: boolean;
}

export function readArm(sql: SqlStorage) {
  return (version: number, arm: string, fromHour: number): Aggregate => {
    let agg = emptyAggregate();
    const rows = sql.exec<{ agg: string; joined: string }>(
      "SELECT agg, joined FROM hours WHERE version = ? AND arm = ? AND hour >= ?",
      version,
      arm,
      fromHour,
    );
    for (const r of rows) agg = merge(merge(agg, JSON.parse(r.agg) as Aggregate), JSON.parse(r.joined) as Aggregate);
    return agg;
  };
}

export function judgeRollout(storage: DurableObjectStorage, given: unknown, o: JudgeOptions): Judged {
  const parsed = parseRollout(given);
  if (typeof parsed === "string") throw new Error(`judgeRollout: ${parsed}`);
  const sql = storage.sql;
  return storage.transactionSync(() => {
    const row = sql
      .exec<{ seq: number; rollout: string }>("SELECT seq, rollout FROM rollouts WHERE id = ?", parsed.id)
      .toArray()[0];
    if (row !== undefined && row.seq > parsed.seq) return { rollout: JSON.parse(row.rollout) as Rollout, fresh: false };
    if (parsed.state !== "active") return { rollout: parsed, fresh: false };
    const { rollout } = evaluateRollout(parsed, o.now, o.kvCacheTtl, readArm(sql));
    sql.exec(
      "INSERT OR REPLACE INTO rollouts (id, seq, rollout) VALUES (?, ?, ?)",
      rollout.id,
      rollout.seq,
      JSON.stringify(rollout),
    );
    return { rollout, fresh: true };
  });
}
