/**
 * One evaluation of an active rollout (docs/rollouts.md, "Periods"): which hours of the Monitor's
 * aggregates are evidence, the rule's decision on them, and the rollout after it.
 * - Guard period (errors, latency): every hour of prediction time from the one holding
 *   `step_started`, so a failing canary is seen within the evaluation after its first errors.
 * - Step period (the metric test): whole hours from the first hour boundary at least KV_CACHE_TTL
 *   after `step_started`, so every row in it was routed with the step's canary share (a record
 *   change reaches every isolate within KV_CACHE_TTL) and no row counts for two steps.
 */
import { type Aggregate, emptyAggregate } from "../monitoring/aggregate.ts";
import { advance } from "./apply.ts";
import { armStats } from "./evidence.ts";
import { decide, type RuleResult } from "./rule.ts";
import type { Rollout } from "./schema.ts";

export const HOUR_MS = 3_600_000;

/** The merged aggregate of (version, arm) over the hours from `fromHour` (hour = epoch ms / HOUR_MS). */
export type ReadArm = (version: number, arm: string, fromHour: number) => Aggregate;

/** The arm the rolled-out version answers in, and the arm of the version it is compared with. */
export const CANARY_ARM = "canary";
export const STABLE_ARM = "default";

export function periods(rollout: Rollout, kvCacheTtlSeconds: number) {
  const started = Date.parse(rollout.step_started);
  const guardHour = Math.floor(started / HOUR_MS);
  const testHour = Math.ceil((started + kvCacheTtlSeconds * 1000) / HOUR_MS);
  return { guardHour, testHour };
}

export function evaluateRollout(
  rollout: Rollout,
  now: number,
  kvCacheTtlSeconds: number,
  read: ReadArm,
): { rollout: Rollout; result: RuleResult } {
  const { guardHour, testHour } = periods(rollout, kvCacheTtlSeconds);
  const { metric, max_p95_ms } = rollout.policy;
  const arms = {
    canary: { version: rollout.version, arm: CANARY_ARM },
    stable: { version: rollout.from, arm: STABLE_ARM },
  };
  const stats = (who: { version: number; arm: string }, hour: number) =>
    armStats(read(who.version, who.arm, hour) ?? emptyAggregate(), who, metric, max_p95_ms);
  const iso = (ms: number) => new Date(ms).toISOString();
  const result = decide({
    policy: rollout.policy,
    step: rollout.step,
    look: rollout.look,
    lookN: rollout.look_n,
    guard: { canary: stats(arms.canary, guardHour), stable: stats(arms.stable, guardHour) },
    test: { canary: stats(arms.canary, testHour), stable: stats(arms.stable, testHour) },
    period: { guard_from: iso(guardHour * HOUR_MS), from: iso(testHour * HOUR_MS), to: iso(now) },
  });
  return { rollout: advance(rollout, result, iso(now)), result };
}
