/**
 * The Cron Trigger's work (docs/rollouts.md, "The Cron evaluation"): every model whose pointer
 * record holds an active rollout is judged once, and the record is written when the judgement
 * changed it. The judge (the model's Monitor object in the Worker) serialises evaluations per
 * model and applies each decision once per (rollout id, seq): a run that read a stale record gets
 * the decision already taken back, and writes the same record again, never a second decision.
 */
import type { ModelRecord } from "../models/record.ts";
import type { Log } from "../observability/log.ts";
import { reconcile } from "./apply.ts";
import { parseRollout, type Rollout } from "./schema.ts";

/** The pointer records (KV REGISTRY in the Worker). */
export interface RolloutRecords {
  names(): Promise<string[]>;
  get(name: string): Promise<ModelRecord | undefined>;
  put(name: string, record: ModelRecord): Promise<void>;
}

/**
 * Judges an active rollout at `now`: `fresh` when this call decided, false when the decision for
 * this (id, seq) or a later one was already taken (the rollout returned is the newest known).
 */
export interface RolloutJudge {
  judge(model: string, rollout: Rollout, now: number): Promise<{ rollout: Rollout; fresh: boolean }>;
}

export interface CronOutcome {
  model: string;
  decision?: string;
  fresh?: boolean;
  written?: boolean;
  error?: string;
}

export async function runRollouts(
  records: RolloutRecords,
  judge: RolloutJudge,
  now: number,
  log: Log,
): Promise<CronOutcome[]> {
  const out: CronOutcome[] = [];
  for (const model of await records.names()) {
    try {
      const record = await records.get(model);
      if (record?.rollout === undefined) continue;
      const rollout = parseRollout(record.rollout);
      if (typeof rollout === "string") {
        log("rollout_invalid", { model, reason: rollout });
        out.push({ model, error: rollout });
        continue;
      }
      if (rollout.state !== "active") continue;
      const judged = await judge.judge(model, rollout, now);
      const next = reconcile(record, judged.rollout);
      const written = JSON.stringify(next) !== JSON.stringify(record);
      if (written) await records.put(model, next);
      const decision = judged.rollout.history.at(-1)?.decision;
      log("rollout_evaluated", {
        model,
        rollout: rollout.id,
        seq: judged.rollout.seq,
        decision,
        fresh: judged.fresh,
        state: judged.rollout.state,
        percent: next.canary_percent,
      });
      out.push({ model, ...(decision ? { decision } : {}), fresh: judged.fresh, written });
    } catch (err) {
      log("rollout_failed", { model, error: String(err) });
      out.push({ model, error: String(err) });
    }
  }
  return out;
}
