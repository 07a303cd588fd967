/**
 * Staged rollouts through the Worker's Cron Trigger (its `scheduled` handler, run with the pool's
 * scheduled controller) on Miniflare's KV and the real Monitor object, with traffic and outcomes
 * folded into the Monitor as the queue consumer folds them: a worse canary is rolled back on its
 * step's outcomes; a better one is promoted step by step to completion; a canary answering 5xx or
 * slowly is rolled back before any outcome; concurrent and repeated Cron runs apply a decision
 * once; an aborted rollout is left alone. Expected figures are computed here from the pairs.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ModelRecord } from "../../src/core/models/record.ts";
import type { QueueRecord } from "../../src/core/monitoring/record.ts";
import { abortRollout, reconcile, startRollout } from "../../src/core/rollouts/apply.ts";
import { type Policy, parseRollout, type Rollout } from "../../src/core/rollouts/schema.ts";
import worker from "../../src/worker.ts";
import { failure, outcome, prediction } from "../support/monitor-records.ts";

const T0 = Date.UTC(2026, 11, 1, 10, 30); // the rollout starts at 10:30; its first step's period is 11:00-
const at = (h: number, m = 0) => Date.UTC(2026, 11, 1, h, m);
const POLICY: Policy = {
  steps: [5, 25, 50, 100],
  min_outcomes: 40,
  metric: "log_loss",
  max_regression: 0.005,
  max_error_rate: 0.01,
  max_p95_ms: 50,
  confidence: 0.95,
};
const BASE: ModelRecord = {
  versions: { "1": { sha256: "a".repeat(64) }, "2": { sha256: "b".repeat(64) } },
  labels: { stable: 1 },
  canary_percent: 0,
  history: {},
};

const key = (model: string) => `model:${model}`;
async function start(model: string, policy = POLICY): Promise<void> {
  const record = startRollout(BASE, {
    id: `${model}-r1`,
    version: 2,
    from: 1,
    policy,
    now: new Date(T0).toISOString(),
  });
  await env.REGISTRY.put(key(model), JSON.stringify(record));
}
const read = async (model: string) => JSON.parse((await env.REGISTRY.get(key(model)))!) as ModelRecord;
const rolloutOf = async (model: string) => parseRollout((await read(model)).rollout) as Rollout;
const fold = (model: string, records: QueueRecord[]) =>
  env.MONITOR.get(env.MONITOR.idFromName(model)).fold(records, { retentionDays: 14 });

async function cron(time: number): Promise<void> {
  const controller = createScheduledController({ scheduledTime: time, cron: "* * * * *" });
  const ctx = createExecutionContext();
  worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Outcome of row i (one in four is late), and a score per quality: near the outcome, halfway, far from it. */
type Quality = "good" | "mid" | "bad";
const label = (i: number) => (i % 4 === 0 ? 1 : 0);
const LEVELS: Record<Quality, [number, number]> = { good: [0.8, 0.08], mid: [0.55, 0.35], bad: [0.3, 0.62] };
const score = (i: number, q: Quality) => {
  const wobble = (i % 7) * 0.02;
  return (label(i) ? LEVELS[q][0] : LEVELS[q][1]) + wobble;
};
const loss = (i: number, q: Quality) => (label(i) ? -Math.log(score(i, q)) : -Math.log(1 - score(i, q)));

/** n predictions per arm in the hour starting at `hour` (stable: "mid"), each joined with its outcome. */
async function traffic(model: string, hour: number, n: number, canary: Quality, tag: string): Promise<void> {
  const records: QueueRecord[] = [];
  for (let i = 0; i < n; i++) {
    const time = new Date(hour + ((i * 37) % 3000) * 1000).toISOString();
    for (const [version, arm, q] of [
      [1, "default", "mid"],
      [2, "canary", canary],
    ] as const) {
      const k = `${tag}-${version}-${i}`;
      records.push(prediction(model, `${k}-req`, k, score(i, q), { version, arm, time }), outcome(model, k, label(i)));
    }
  }
  await fold(model, records);
}

const meanLoss = (n: number, q: Quality) =>
  Array.from({ length: n }, (_, i) => loss(i, q)).reduce((s, x) => s + x, 0) / n;

describe("staged rollouts through the Cron Trigger", () => {
  it("rolls a worse canary back on its step's outcomes; holds until each arm has min_outcomes", async () => {
    const model = "ro-worse";
    await start(model);
    await traffic(model, at(11), 30, "bad", "a"); // below min_outcomes (40)
    await cron(at(11, 50));
    let r = await rolloutOf(model);
    expect(r.state).toBe("active");
    expect(r.history.at(-1)).toMatchObject({
      decision: "hold",
      evidence: { canary: { joined: 30 }, stable: { joined: 30 } },
    });
    expect((await read(model)).canary_percent).toBe(5);

    await traffic(model, at(11), 60, "bad", "b"); // 90 per arm now
    await cron(at(12));
    r = await rolloutOf(model);
    const rec = await read(model);
    expect(r.state).toBe("rolled_back");
    expect(rec.canary_percent).toBe(0);
    expect(rec.labels).toEqual({ stable: 1, canary: 2 });
    const last = r.history.at(-1)!;
    expect(last.decision).toBe("rollback");
    expect(last.rule).toMatch(/^log_loss: lower bound .* > max_regression 0.005/);
    // The evidence is the period's pairs: 30 + 60 per arm, mean log loss as computed from the scores.
    const expected = (meanLoss(30, "bad") * 30 + meanLoss(60, "bad") * 60) / 90;
    expect(last.evidence!.canary.joined).toBe(90);
    expect(last.evidence!.canary.mean).toBeCloseTo(expected, 4);
    expect(last.evidence!.stable.mean).toBeCloseTo((meanLoss(30, "mid") * 30 + meanLoss(60, "mid") * 60) / 90, 4);
    expect(last.evidence!.difference!.lower).toBeGreaterThan(0.005);
    expect(last.evidence!.from).toBe(new Date(at(11)).toISOString());

    // Rolled back: later Cron runs leave it alone.
    await cron(at(13));
    expect(await read(model)).toEqual(rec);
  });

  it("promotes a better canary step by step to completion, each step on its own period's outcomes", async () => {
    const model = "ro-better";
    await start(model);
    await traffic(model, at(11), 50, "good", "s1");
    await cron(at(12));
    expect((await read(model)).canary_percent).toBe(25);
    expect((await rolloutOf(model)).history.at(-1)).toMatchObject({ decision: "promote", percent: 5 });

    // The new step's period starts at the first hour boundary KV_CACHE_TTL after 12:00: 13:00.
    // The 11:00 rows do not count again, so the step holds.
    await cron(at(12, 30));
    let r = await rolloutOf(model);
    expect(r.history.at(-1)).toMatchObject({ decision: "hold", step: 1, evidence: { canary: { joined: 0 } } });
    expect(r.history.at(-1)!.evidence!.from).toBe(new Date(at(13)).toISOString());

    await traffic(model, at(13), 50, "good", "s2");
    await cron(at(14));
    expect((await read(model)).canary_percent).toBe(50);
    await traffic(model, at(15), 50, "good", "s3");
    await cron(at(16));
    const rec = await read(model);
    r = await rolloutOf(model);
    expect(r.state).toBe("completed");
    expect(rec.labels.stable).toBe(2);
    expect(rec.history.stable).toEqual([1]);
    expect(rec.canary_percent).toBe(0);
    expect(r.history.map((e) => e.decision)).toEqual(["start", "promote", "hold", "promote", "complete"]);
    for (const e of r.history.filter((h) => h.decision !== "start" && h.decision !== "hold")) {
      expect(e.evidence!.canary.joined).toBe(50);
      expect(e.evidence!.difference!.upper).toBeLessThanOrEqual(0.005);
    }
  });

  it("rolls back a canary answering 5xx before any outcome exists", async () => {
    const model = "ro-5xx";
    await start(model);
    const time = new Date(at(10, 40)).toISOString();
    const ok = Array.from({ length: 20 }, (_, i) =>
      prediction(model, `ok-${i}`, null, 0.3, { version: 2, arm: "canary", time }),
    );
    const failed = Array.from({ length: 5 }, (_, i) => ({
      ...failure(model, `fail-${i}`, "INTERNAL"),
      version: 2,
      arm: "canary" as const,
      status: 500,
      time,
    }));
    await fold(model, [...ok, ...failed]);
    await cron(at(10, 45));
    const r = await rolloutOf(model);
    expect(r.state).toBe("rolled_back");
    expect(r.history.at(-1)!.rule).toMatch(/^errors:/);
    expect(r.history.at(-1)!.evidence!.canary).toMatchObject({ requests: 25, server_errors: 5, joined: 0 });
    expect((await read(model)).canary_percent).toBe(0);
  });

  it("rolls back a slow canary before any outcome exists, and not a fast one", async () => {
    for (const [model, ms] of [
      ["ro-slow", 200],
      ["ro-fast", 20],
    ] as const) {
      await start(model);
      const time = new Date(at(10, 40)).toISOString();
      await fold(
        model,
        Array.from({ length: 30 }, (_, i) =>
          prediction(model, `r-${i}`, null, 0.3, { version: 2, arm: "canary", time, latency_ms: ms }),
        ),
      );
      await cron(at(10, 45));
      const r = await rolloutOf(model);
      if (ms > 50) {
        expect(r.state).toBe("rolled_back");
        expect(r.history.at(-1)!.rule).toMatch(/^latency:/);
        expect(r.history.at(-1)!.evidence!.canary.p95_ms).toBeGreaterThan(50);
      } else {
        expect(r.state).toBe("active");
        expect(r.history.at(-1)!.decision).toBe("hold");
      }
    }
  });

  it("applies a decision once when Cron runs overlap, and again-read stale records get the same decision back", async () => {
    const model = "ro-concurrent";
    await start(model);
    await traffic(model, at(11), 50, "good", "c");
    const stale = await env.REGISTRY.get(key(model));
    // Three overlapping runs (one a minute late, as a delayed Cron can be) all read the step-0 record.
    await Promise.all([cron(at(12)), cron(at(12, 1)), cron(at(12))]);
    const after = await read(model);
    let r = await rolloutOf(model);
    expect(after.canary_percent).toBe(25);
    expect(r.history.filter((e) => e.decision === "promote")).toHaveLength(1);
    // A run that read the record before the decision (a stale KV read, or a write that failed)
    // is given the decision taken, not a second one: the record comes out the same.
    await env.REGISTRY.put(key(model), stale!);
    await cron(at(12, 2));
    expect(await read(model)).toEqual(after);
    r = await rolloutOf(model);
    expect(r.step).toBe(1);
  });

  it("leaves an aborted rollout alone: canary share 0, labels unchanged", async () => {
    const model = "ro-abort";
    await start(model);
    const record = await read(model);
    const aborted = reconcile(
      record,
      abortRollout(parseRollout(record.rollout) as Rollout, new Date(at(10, 50)).toISOString()),
    );
    await env.REGISTRY.put(key(model), JSON.stringify(aborted));
    await traffic(model, at(11), 50, "good", "x");
    await cron(at(12));
    const after = await read(model);
    expect(after).toEqual(JSON.parse(JSON.stringify(aborted)));
    expect(after.canary_percent).toBe(0);
    expect(after.labels.stable).toBe(1);
  });

  it("serves on through a damaged rollout field, which the Cron skips without touching the record", async () => {
    const damaged = {
      versions: {},
      labels: { stable: 1 },
      canary_percent: 0,
      history: {},
      rollout: { state: "active", steps: "5" },
    };
    await env.REGISTRY.put(key("tiny_layers"), JSON.stringify(damaged));
    const res = await exports.default.fetch("http://x/v1/models/tiny_layers/labels/stable");
    expect(res.status).toBe(200);
    await cron(at(12, 5));
    expect(await read("tiny_layers")).toEqual(damaged);
  });
});
