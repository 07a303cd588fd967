/**
 * The rollout decision rule (src/core/rollouts/rule.ts) and its transitions (apply.ts): the
 * invariants as properties (fast-check), its error rates by simulation on seeded data, and the
 * record changes each decision makes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ModelRecord } from "../../src/core/models/record.ts";
import { abortRollout, advance, reconcile, startRollout } from "../../src/core/rollouts/apply.ts";
import type { ArmStats } from "../../src/core/rollouts/evidence.ts";
import { decide, lookConfidence, MAX_LOOKS, type RuleInput } from "../../src/core/rollouts/rule.ts";
import { MAX_HISTORY, type Policy, parseRollout, type Rollout } from "../../src/core/rollouts/schema.ts";
import type { Moments } from "../../src/core/rollouts/stats.ts";

const PERIOD = {
  guard_from: "2026-12-01T10:00:00.000Z",
  from: "2026-12-01T11:00:00.000Z",
  to: "2026-12-01T13:00:00.000Z",
};
const POLICY: Policy = {
  steps: [5, 25, 50, 100],
  min_outcomes: 500,
  metric: "log_loss",
  max_regression: 0.005,
  max_error_rate: 0.01,
  max_p95_ms: 50,
  confidence: 0.95,
};

const fromMeanSd = (n: number, m: number, sd: number): Moments => ({
  n,
  sum: n * m,
  sumsq: (n - 1) * sd * sd + n * m * m,
});

function arm(over: Partial<ArmStats> & { moments: Moments }, version = 2, name = "canary"): ArmStats {
  return { version, arm: name, requests: 1000, serverErrors: 0, answered: 1000, slow: 0, p95: 12, ...over };
}

function input(canary: ArmStats, stable: ArmStats, over: Partial<RuleInput> = {}): RuleInput {
  return {
    policy: POLICY,
    step: 0,
    look: 0,
    guard: { canary, stable },
    test: { canary, stable },
    period: PERIOD,
    ...over,
  };
}

const momentsArb = fc
  .record({
    n: fc.integer({ min: 0, max: 200_000 }),
    mean: fc.double({ min: 0, max: 2, noNaN: true }),
    sd: fc.double({ min: 0, max: 2, noNaN: true }),
  })
  .map(({ n, mean, sd }) => fromMeanSd(n, mean, sd));

const policyArb: fc.Arbitrary<Policy> = fc.record({
  steps: fc
    .uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 5 })
    .map((s) => [...s.sort((a, b) => a - b), 100]),
  min_outcomes: fc.integer({ min: 2, max: 5000 }),
  metric: fc.constantFrom("log_loss" as const, "brier" as const, "mae" as const),
  max_regression: fc.double({ min: 0, max: 0.2, noNaN: true }),
  max_error_rate: fc.double({ min: 0, max: 0.3, noNaN: true }),
  max_p95_ms: fc.double({ min: 1, max: 500, noNaN: true }),
  confidence: fc.double({ min: 0.8, max: 0.999, noNaN: true }),
});

const caseArb = fc
  .record({
    policy: policyArb,
    stepSeed: fc.nat(),
    look: fc.integer({ min: 0, max: MAX_LOOKS - 1 }),
    canary: momentsArb,
    stable: momentsArb,
    requests: fc.integer({ min: 0, max: 10_000 }),
    errors: fc.integer({ min: 0, max: 200 }),
    slow: fc.integer({ min: 0, max: 500 }),
  })
  .map((c) => {
    const step = c.stepSeed % (c.policy.steps.length - 1);
    const canary = arm({
      moments: c.canary,
      requests: c.requests + c.errors,
      serverErrors: c.errors,
      answered: c.requests,
      slow: Math.min(c.slow, c.requests),
    });
    const stable = arm({ moments: c.stable }, 1, "default");
    return { ...c, step, input: input(canary, stable, { policy: c.policy, step, look: c.look }) };
  });

const shifted = (m: Moments, d: number): Moments => ({
  n: m.n,
  sum: m.sum + m.n * d,
  sumsq: m.sumsq + 2 * d * m.sum + m.n * d * d,
});
const promotes = (d: string) => d === "promote" || d === "complete";

describe("rule invariants (fast-check)", () => {
  it("promotes only with min_outcomes·2^look per arm, an upper bound within max_regression, and no guard tripped", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = decide(c.input);
        if (!promotes(r.decision)) return;
        const needed = c.policy.min_outcomes * 2 ** c.look;
        expect(c.canary.n).toBeGreaterThanOrEqual(needed);
        expect(c.stable.n).toBeGreaterThanOrEqual(needed);
        expect(r.evidence.difference!.upper).toBeLessThanOrEqual(c.policy.max_regression * (1 + 1e-5) + 1e-12);
        expect(r.evidence.difference!.confidence).toBe(lookConfidence(c.policy.confidence, c.look));
        expect(r.evidence.canary.error_rate_lower).toBeLessThanOrEqual(c.policy.max_error_rate);
        expect(r.evidence.canary.slow_share_lower).toBeLessThanOrEqual(0.05);
        // Complete exactly when the next step is the last (100 %).
        expect(r.decision === "complete").toBe(c.step === c.policy.steps.length - 2);
      }),
      { numRuns: 500 },
    );
  });

  it("a worse canary loss never turns a decision into a promotion, and a metric rollback stays one", () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: 1e-6, max: 1, noNaN: true }), (c, d) => {
        const before = decide(c.input);
        const worse = arm({ ...c.input.test.canary, moments: shifted(c.canary, d) });
        const after = decide({
          ...c.input,
          guard: { ...c.input.guard, canary: worse },
          test: { ...c.input.test, canary: worse },
        });
        if (promotes(after.decision)) expect(promotes(before.decision)).toBe(true);
        if (before.decision === "rollback") expect(after.decision).toBe("rollback");
      }),
      { numRuns: 500 },
    );
  });

  it("more 5xx answers or slow requests never undo a rollback", () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 100 }), (c, extra) => {
        const before = decide(c.input);
        const g = c.input.guard.canary;
        const worse = {
          ...g,
          requests: g.requests + extra,
          serverErrors: g.serverErrors + extra,
          slow: Math.min(g.answered, g.slow + extra),
        };
        const after = decide({ ...c.input, guard: { ...c.input.guard, canary: worse } });
        if (before.decision === "rollback") expect(after.decision).toBe("rollback");
      }),
      { numRuns: 300 },
    );
  });

  it("rolls back on errors before any outcome exists, and holds without evidence otherwise", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const empty = { n: 0, sum: 0, sumsq: 0 };
        const i = {
          ...c.input,
          test: { canary: arm({ moments: empty }), stable: arm({ moments: empty }, 1, "default") },
        };
        const r = decide(i);
        expect(["hold", "rollback"]).toContain(r.decision);
        if (r.decision === "rollback") expect(r.rule).toMatch(/^(errors|latency):/);
      }),
      { numRuns: 300 },
    );
  });

  it("identical arms are never rolled back on the metric before the last look", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const same = arm({ moments: c.stable });
        const r = decide({
          ...c.input,
          look: Math.min(c.look, MAX_LOOKS - 2),
          test: { canary: same, stable: arm({ moments: c.stable }, 1, "default") },
          guard: { canary: arm({ moments: c.stable }), stable: arm({ moments: c.stable }, 1, "default") },
        });
        expect(r.decision).not.toBe("rollback");
      }),
      { numRuns: 300 },
    );
  });
});

/** A seeded generator (mulberry32) and normal draws (Box-Muller): the same rows on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function sample(normal: () => number, n: number, mean: number, sd: number): Moments {
  const m = { n, sum: 0, sumsq: 0 };
  for (let i = 0; i < n; i++) {
    const x = mean + sd * normal();
    m.sum += x;
    m.sumsq += x * x;
  }
  return m;
}

describe("looks", () => {
  it("after an inconclusive look, the next needs twice the smaller arm's outcomes at it, not the same rows again", () => {
    // The flights run of docs/rollouts.md: 459 and 426 joined, inconclusive at look 1.
    const canary = arm({ moments: fromMeanSd(459, 0.624648, 0.627279) });
    const stable = arm({ moments: fromMeanSd(426, 0.695015, 0.541665) }, 1, "default");
    const first = decide(input(canary, stable, { policy: { ...POLICY, min_outcomes: 200 } }));
    expect(first).toMatchObject({ decision: "hold", inconclusive: true, lookN: 426 });
    expect(first.rule).toMatch(/the next look needs 852 per arm$/);
    const again = decide(input(canary, stable, { policy: { ...POLICY, min_outcomes: 200 }, look: 1, lookN: 426 }));
    expect(again.decision).toBe("hold");
    expect(again.inconclusive).toBeUndefined();
    expect(again.rule).toMatch(/^evidence: .* look 2 needs 852 per arm/);
  });
});

describe("rule error rates by simulation (seeded)", () => {
  const trials = 1500;
  const rate = (delta: number, seed: number) => {
    const normal = rng(seed);
    const out = { promote: 0, rollback: 0, hold: 0 };
    for (let t = 0; t < trials; t++) {
      const canary = arm({ moments: sample(normal, 500, 0.5 + delta, 0.6) });
      const stable = arm({ moments: sample(normal, 2000, 0.5, 0.6) }, 1, "default");
      const d = decide(input(canary, stable, { policy: { ...POLICY, max_regression: 0.05 } })).decision;
      out[d === "complete" ? "promote" : (d as "promote" | "rollback" | "hold")]++;
    }
    return { promote: out.promote / trials, rollback: out.rollback / trials };
  };

  it("promotes a canary exactly max_regression worse at most α/2 of the time at the first look", () => {
    // α = 0.05, first look at 1 − α/2: the expected promotion rate is 0.025.
    expect(rate(0.05, 1).promote).toBeLessThan(0.04);
  });

  it("promotes a clearly better canary almost always, and rolls back a clearly worse one", () => {
    expect(rate(-0.1, 2).promote).toBeGreaterThan(0.97);
    expect(rate(0.2, 3).rollback).toBeGreaterThan(0.97);
  });
});

describe("transitions", () => {
  const base: ModelRecord = {
    versions: { "1": { sha256: "a".repeat(64) }, "2": { sha256: "b".repeat(64) } },
    labels: { stable: 1 },
    canary_percent: 0,
    history: {},
  };
  const started = startRollout(base, {
    id: "r1",
    version: 2,
    from: 1,
    policy: POLICY,
    now: "2026-12-01T10:30:00.000Z",
  });
  const rollout = parseRollout(started.rollout) as Rollout;
  const result = (decision: "hold" | "promote" | "complete" | "rollback") => ({
    decision,
    rule: decision,
    evidence: { ...PERIOD, canary: {} as never, stable: {} as never },
  });

  it("start points canary at the version with the first share and leaves stable alone", () => {
    expect(started.labels).toEqual({ stable: 1, canary: 2 });
    expect(started.canary_percent).toBe(5);
    expect(rollout).toMatchObject({ state: "active", step: 0, seq: 0, look: 0 });
  });

  it("promote moves to the next share; complete moves stable and keeps its history; rollback and abort zero the share", () => {
    const promoted = advance(rollout, result("promote"), "2026-12-01T12:00:00.000Z");
    expect(reconcile(started, promoted)).toMatchObject({ canary_percent: 25, labels: { stable: 1, canary: 2 } });
    const completed = advance({ ...promoted, step: 2 }, result("complete"), "2026-12-01T14:00:00.000Z");
    expect(reconcile(started, completed)).toMatchObject({
      canary_percent: 0,
      labels: { stable: 2 },
      history: { stable: [1] },
    });
    const back = advance(promoted, result("rollback"), "2026-12-01T13:00:00.000Z");
    expect(reconcile(started, back)).toMatchObject({ canary_percent: 0, labels: { stable: 1, canary: 2 } });
    expect(reconcile(started, abortRollout(promoted, "2026-12-01T13:00:00.000Z"))).toMatchObject({
      canary_percent: 0,
      labels: { stable: 1 },
    });
  });

  it("reconcile is idempotent: the same rollout applied twice, or to a stale record, writes the same record", () => {
    const promoted = reconcile(started, advance(rollout, result("promote"), "2026-12-01T12:00:00.000Z"));
    const completed = advance(promoted.rollout as Rollout, result("complete"), "2026-12-01T14:00:00.000Z");
    const once = reconcile(promoted, completed);
    expect(reconcile(once, completed)).toEqual(once);
    // A Cron run that read the record as it was before the promotion writes the same record.
    expect(reconcile(started, completed)).toEqual(once);
  });

  it("holds at one step collapse into one entry; seq grows by one per evaluation; history stays bounded", () => {
    let r = rollout;
    for (let i = 0; i < 5; i++) r = advance(r, result("hold"), `2026-12-01T10:3${i}:00.000Z`);
    expect(r.seq).toBe(5);
    expect(r.history.map((e) => e.decision)).toEqual(["start", "hold"]);
    const looked = advance(rollout, { ...result("hold"), inconclusive: true, lookN: 426 }, "2026-12-01T11:00:00.000Z");
    expect(looked).toMatchObject({ look: 1, look_n: 426 });
    expect(advance(looked, result("promote"), "2026-12-01T12:00:00.000Z")).toMatchObject({
      look: 0,
      look_n: 0,
      step: 1,
    });
    expect(r.history[1]).toMatchObject({
      evaluations: 5,
      first_at: "2026-12-01T10:30:00.000Z",
      at: "2026-12-01T10:34:00.000Z",
    });
    for (let i = 0; i < 3 * MAX_HISTORY; i++)
      r = advance(
        r,
        { ...result("hold"), inconclusive: true, evidence: { ...result("hold").evidence, difference: {} as never } },
        "2026-12-01T11:00:00.000Z",
      );
    expect(r.history.length).toBe(MAX_HISTORY);
    expect(r.history[0]!.decision).toBe("start");
  });
});
