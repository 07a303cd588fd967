/**
 * `npm run models -- rollout / status` against an in-memory store (scripts/models/rollout.ts):
 * the policy from the flags with every bad value named, the record a start and an abort write,
 * what is refused, and what status prints. (The Cron's decisions: test/worker/rollouts.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { CliError } from "../../scripts/models/cli-error.ts";
import { emptyRecord, parseRecord, serialiseRecord } from "../../scripts/models/record.ts";
import { abort, parsePolicy, renderStatus, rollout, status } from "../../scripts/models/rollout.ts";
import type { RepositoryStore } from "../../scripts/models/store.ts";
import type { ModelRecord } from "../../src/core/models/record.ts";
import { parseRollout, type Rollout } from "../../src/core/rollouts/schema.ts";

function memoryStore(records: Record<string, ModelRecord>): RepositoryStore & { text: Record<string, string> } {
  const text: Record<string, string> = {};
  for (const [k, v] of Object.entries(records)) text[k] = serialiseRecord(v);
  return {
    where: "memory",
    text,
    async getRecord(name) {
      return text[name] ?? null;
    },
    async putRecord(name, record) {
      text[name] = serialiseRecord(record);
    },
    async listModels() {
      return Object.keys(text);
    },
    async putObject() {},
  };
}

const entry = { sha256: "c".repeat(64) };
const model = (over: Partial<ModelRecord> = {}): ModelRecord => ({
  ...emptyRecord(),
  versions: { "1": entry, "2": entry },
  labels: { stable: 1 },
  ...over,
});
const quiet = () => {};
const NOW = new Date("2026-12-01T10:30:00.000Z");

describe("rollout policy flags", () => {
  it("takes the issue's flags and defaults the rest", () => {
    expect(
      parsePolicy({
        steps: "5,25,50,100",
        "min-outcomes": "500",
        metric: "log_loss",
        "max-regression": "0.005",
        "max-error-rate": "0.01",
        "max-p95-ms": "50",
      }),
    ).toEqual({
      steps: [5, 25, 50, 100],
      min_outcomes: 500,
      metric: "log_loss",
      max_regression: 0.005,
      max_error_rate: 0.01,
      max_p95_ms: 50,
      confidence: 0.95,
    });
    expect(parsePolicy({}).steps).toEqual([5, 25, 50, 100]);
  });

  it.each([
    [{ steps: "5,50,25,100" }, /--steps: steps must be strictly increasing, got \[5,50,25,100\]/],
    [{ steps: "5,50" }, /--steps: the last step must be 100/],
    [{ steps: "5,x,100" }, /--steps: expected a number, got 'x'/],
    [{ metric: "auc" }, /--metric: expected one of log_loss, brier, mae, got 'auc'/],
    [{ "max-error-rate": "2" }, /--max-error-rate: .*, got 2/],
    [{ "min-outcomes": "1.5" }, /--min-outcomes: .*, got 1.5/],
    [{ confidence: "0.3" }, /--confidence: .*, got 0.3/],
  ])("refuses %j naming the flag", (flags, message) => {
    expect(() => parsePolicy(flags)).toThrow(message);
  });
});

describe("rollout, abort, status", () => {
  it("writes the policy, points canary at the version with the first share, keeps stable", async () => {
    const store = memoryStore({ flights: model() });
    await rollout(store, "flights", 2, parsePolicy({ "max-p95-ms": "50" }), quiet, NOW);
    const record = parseRecord("flights", store.text.flights!);
    expect(record.labels).toEqual({ stable: 1, canary: 2 });
    expect(record.canary_percent).toBe(5);
    const r = parseRollout(record.rollout) as Rollout;
    expect(r).toMatchObject({ version: 2, from: 1, state: "active", step: 0, seq: 0, started: NOW.toISOString() });
    expect(r.history).toHaveLength(1);
    expect(r.history[0]).toMatchObject({ decision: "start", percent: 5 });
  });

  it("refuses a model without stable, an unknown version, the stable version, a second active rollout", async () => {
    const policy = parsePolicy({});
    await expect(rollout(memoryStore({ m: model({ labels: {} }) }), "m", 2, policy, quiet, NOW)).rejects.toThrow(
      /no 'stable' label.*npm run models -- label m stable <version>/,
    );
    await expect(rollout(memoryStore({ m: model() }), "m", 7, policy, quiet, NOW)).rejects.toThrow(
      /no version 7 to roll out; versions: 1, 2/,
    );
    await expect(rollout(memoryStore({ m: model() }), "m", 1, policy, quiet, NOW)).rejects.toThrow(
      /already points to 1/,
    );
    const store = memoryStore({ m: model() });
    await rollout(store, "m", 2, policy, quiet, NOW);
    await expect(rollout(store, "m", 2, policy, quiet, NOW)).rejects.toThrow(/already has an active rollout.*--abort/);
    await expect(rollout(memoryStore({}), "m", 2, policy, quiet, NOW)).rejects.toBeInstanceOf(CliError);
  });

  it("abort sets the canary share to 0, leaves labels, records the abort; a second abort is refused", async () => {
    const store = memoryStore({ m: model() });
    await rollout(store, "m", 2, parsePolicy({}), quiet, NOW);
    await abort(store, "m", quiet, new Date("2026-12-01T11:00:00.000Z"));
    const record = parseRecord("m", store.text.m!);
    expect(record.canary_percent).toBe(0);
    expect(record.labels).toEqual({ stable: 1, canary: 2 });
    const r = parseRollout(record.rollout) as Rollout;
    expect(r.state).toBe("aborted");
    expect(r.seq).toBe(1);
    expect(r.history.map((e) => e.decision)).toEqual(["start", "abort"]);
    await expect(abort(store, "m", quiet)).rejects.toThrow(
      /no active rollout to abort \(the last one, .*, is aborted\)/,
    );
  });

  it("status prints state, step, policy and history; --json the rollout itself", async () => {
    const store = memoryStore({ m: model() });
    await rollout(store, "m", 2, parsePolicy({}), quiet, NOW);
    const lines = renderStatus("m", parseRecord("m", store.text.m!));
    expect(lines[0]).toMatch(/^m: rollout m-2-\w+: active$/);
    expect(lines.join("\n")).toMatch(/version 2 against 1; step 1 of 3 at 5%/);
    expect(lines.join("\n")).toMatch(/start .* at 5%: started: 5% of default traffic to 2/);
    const out: string[] = [];
    await status(store, "m", (l) => out.push(l), true);
    expect(JSON.parse(out.join("\n"))).toMatchObject({ canary_percent: 5, rollout: { state: "active" } });
    expect(renderStatus("x", model())).toEqual(["x: no rollout (npm run models -- rollout x <version> …)"]);
  });
});
