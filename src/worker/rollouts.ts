/**
 * Wiring of the staged rollouts' Cron Trigger (the Worker's `scheduled` handler, docs/rollouts.md):
 * the pointer records in REGISTRY (adapters/kv/model-records.ts), each model's Monitor object as
 * the judge that holds the evidence and serialises decisions (adapters/durable-objects/
 * monitor-rollouts.ts), the logic in core (core/rollouts/cron.ts). `now` is the Cron's
 * scheduledTime, so a run's decisions are dated by the schedule, not by when it got to run.
 */
import { monitorOf } from "../adapters/durable-objects/monitor-sink.ts";
import { kvModelRecords } from "../adapters/kv/model-records.ts";
import { log } from "../core/observability/log.ts";
import { type CronOutcome, type RolloutJudge, runRollouts } from "../core/rollouts/cron.ts";
import type { Rollout } from "../core/rollouts/schema.ts";
import { settingsFrom } from "./settings.ts";

export function evaluateRollouts(env: Env, now: number): Promise<CronOutcome[]> {
  const settings = settingsFrom(env as unknown as Record<string, unknown>);
  const judge: RolloutJudge = {
    async judge(model, rollout, at) {
      const judged = await monitorOf(env.MONITOR, model).judgeRollout(rollout, {
        now: at,
        kvCacheTtl: settings.kvCacheTtl,
      });
      // RPC's typing of the structured-clone result loses the schema's shape; the value is a Rollout.
      return judged as unknown as { rollout: Rollout; fresh: boolean };
    },
  };
  return runRollouts(kvModelRecords(env.REGISTRY), judge, now, log);
}

/** The Worker's `scheduled()` handler. */
export function scheduledHandler(controller: ScheduledController, env: Env, ctx: ExecutionContext): void {
  ctx.waitUntil(evaluateRollouts(env, controller.scheduledTime));
}
