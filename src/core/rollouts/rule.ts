/**
 * The rollout decision rule (docs/rollouts.md, "The decision rule"), pure: from the policy, the
 * step and each arm's evidence, one of hold, promote, complete or rollback, with the clause that
 * decided and the figures it used.
 *
 * 1. Errors (any time): roll back when Wilson's lower bound on the canary's 5xx share exceeds
 *    max_error_rate.
 * 2. Latency (any time, when max_p95_ms is set): roll back when Wilson's lower bound on the share
 *    of canary requests slower than max_p95_ms exceeds 5 % (then the canary's p95 exceeds the
 *    bound with that confidence).
 * 3. Evidence: hold while either arm has fewer than max(min_outcomes · 2^j, 2 · n_{j−1}) joined
 *    rows in the step's period, j the number of inconclusive looks taken at this step so far and
 *    n_{j−1} the smaller arm's joined rows at the last of them.
 * 4. Metric (look j at this step): Welch's one-sided bounds L_j and U_j on
 *    Δ = mean(canary loss) − mean(stable loss), each at confidence 1 − α/2^(j+1), α = 1 − confidence.
 *    U_j ≤ max_regression: promote to the next step (complete when the next step is 100).
 *    L_j > max_regression: roll back (the canary is worse than tolerated).
 *    Otherwise hold for the next look (twice the evidence); after MAX_LOOKS inconclusive looks, roll
 *    back. Σ_j α/2^(j+1) < α, so over all looks of a step P(promote | Δ ≥ max_regression) ≤ α and
 *    P(roll back on 4 | Δ ≤ max_regression) ≤ α (a union bound: no independence needed).
 * Bounds 1 and 2 are one-sided at the policy's confidence.
 */

import type { ArmStats } from "./evidence.ts";
import type { ArmFigures, Decision, Evidence, Policy } from "./schema.ts";
import { mean, variance, welchUpper, wilsonLower } from "./stats.ts";

/** The share of requests above max_p95_ms at which the p95 itself is above it. */
export const P95_SHARE = 0.05;
/** Inconclusive looks at one step before the rollout is rolled back (the last needs min_outcomes · 2^7). */
export const MAX_LOOKS = 8;

/** The confidence of look j: 1 − α/2^(j+1). */
export const lookConfidence = (confidence: number, look: number) => 1 - (1 - confidence) / 2 ** (look + 1);

export interface RuleInput {
  policy: Policy;
  /** Index into policy.steps. */
  step: number;
  /** Inconclusive metric tests taken at this step so far. */
  look: number;
  /** The smaller arm's joined outcomes at the last inconclusive look (0 before any). */
  lookN?: number;
  /** Requests, errors and latency over the guard period. */
  guard: { canary: ArmStats; stable: ArmStats };
  /** Joined outcomes over the step's period. */
  test: { canary: ArmStats; stable: ArmStats };
  period: { guard_from: string; from: string; to: string };
}

export interface RuleResult {
  decision: Exclude<Decision, "start" | "abort">;
  rule: string;
  /** True when the metric test ran and was inconclusive (the next look needs twice the evidence). */
  inconclusive?: boolean;
  /** With `inconclusive`: the smaller arm's joined outcomes at this look. */
  lookN?: number;
  evidence: Evidence;
}

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(6)) : x);

function figures(guard: ArmStats, test: ArmStats, policy: Policy): ArmFigures {
  const m = test.moments;
  const v = variance(m);
  return {
    version: guard.version,
    arm: guard.arm,
    requests: guard.requests,
    server_errors: guard.serverErrors,
    error_rate_lower: fmt(wilsonLower(guard.serverErrors, guard.requests, policy.confidence)),
    p95_ms: guard.p95 === null ? null : fmt(guard.p95),
    ...(policy.max_p95_ms === undefined
      ? {}
      : { slow: guard.slow, slow_share_lower: fmt(wilsonLower(guard.slow, guard.answered, policy.confidence)) }),
    joined: m.n,
    mean: m.n > 0 && Number.isFinite(m.sum) ? fmt(mean(m)) : null,
    sd: Number.isFinite(v) ? fmt(Math.sqrt(v)) : null,
  };
}

export function decide(input: RuleInput): RuleResult {
  const { policy, step } = input;
  const canary = figures(input.guard.canary, input.test.canary, policy);
  const stable = figures(input.guard.stable, input.test.stable, policy);
  const evidence: Evidence = { ...input.period, canary, stable };
  const c = `${policy.confidence}`;
  if (canary.error_rate_lower > policy.max_error_rate)
    return {
      decision: "rollback",
      rule: `errors: the canary's 5xx share is above max_error_rate ${policy.max_error_rate} with confidence ${c} (Wilson lower bound ${canary.error_rate_lower}, ${canary.server_errors} of ${canary.requests} requests)`,
      evidence,
    };
  if (policy.max_p95_ms !== undefined && (canary.slow_share_lower ?? 0) > P95_SHARE)
    return {
      decision: "rollback",
      rule: `latency: the canary's p95 is above max_p95_ms ${policy.max_p95_ms} with confidence ${c} (${canary.slow} of ${input.guard.canary.answered} requests slower; Wilson lower bound of their share ${canary.slow_share_lower} > ${P95_SHARE})`,
      evidence,
    };
  const [a, b] = [input.test.canary.moments, input.test.stable.moments];
  const look = input.look;
  const needed = Math.max(policy.min_outcomes * 2 ** look, 2 * (input.lookN ?? 0));
  if (a.n < needed || b.n < needed)
    return {
      decision: "hold",
      rule: `evidence: joined outcomes canary ${a.n}, stable ${b.n}; look ${look + 1} needs ${needed} per arm in the step's period`,
      evidence,
    };
  if (![a.sum, a.sumsq, b.sum, b.sumsq].every(Number.isFinite))
    return {
      decision: "hold",
      rule: "evidence: the period's aggregates lack the loss's second moments (hours folded before they were kept)",
      evidence,
    };
  const level = lookConfidence(policy.confidence, look);
  const w = welchUpper(a, b, level);
  const lower = 2 * w.estimate - w.upper;
  evidence.difference = {
    estimate: fmt(w.estimate),
    se: fmt(w.se),
    df: fmt(w.df),
    upper: fmt(w.upper),
    lower: fmt(lower),
    confidence: level,
    look: look + 1,
  };
  const bounds = `Welch, one-sided, confidence ${fmt(level)} at look ${look + 1}`;
  const m = policy.max_regression;
  if (w.upper <= m)
    return {
      decision: step + 1 >= policy.steps.length - 1 ? "complete" : "promote",
      rule: `${policy.metric}: upper bound ${fmt(w.upper)} of mean(canary) − mean(stable) ≤ max_regression ${m} (${bounds})`,
      evidence,
    };
  if (lower > m)
    return {
      decision: "rollback",
      rule: `${policy.metric}: lower bound ${fmt(lower)} of mean(canary) − mean(stable) > max_regression ${m} (${bounds}): the canary is worse than tolerated`,
      evidence,
    };
  if (look + 1 >= MAX_LOOKS)
    return {
      decision: "rollback",
      rule: `${policy.metric}: still inconclusive after ${MAX_LOOKS} looks ([${fmt(lower)}, ${fmt(w.upper)}] holds max_regression ${m}; ${bounds})`,
      evidence,
    };
  const seen = Math.min(a.n, b.n);
  return {
    decision: "hold",
    inconclusive: true,
    lookN: seen,
    rule: `${policy.metric}: inconclusive, [${fmt(lower)}, ${fmt(w.upper)}] holds max_regression ${m} (${bounds}); the next look needs ${Math.max(policy.min_outcomes * 2 ** (look + 1), 2 * seen)} per arm`,
    evidence,
  };
}
