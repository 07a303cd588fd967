/**
 * The Monitor Durable Object (src/adapters/durable-objects/monitor.ts) with its real SQLite
 * storage: outcomes join predictions whichever comes first; a retried batch and a repeated outcome
 * count once; a changed outcome (later time) replaces the old one in the figures; state expires by
 * alarm. Figures are checked against references computed here from the pairs themselves.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Monitor } from "../../src/adapters/durable-objects/monitor.ts";
import type { QueueRecord } from "../../src/core/monitoring/record.ts";
import type { QualityDocument } from "../../src/core/monitoring/report.ts";
import { failure, outcome, pairAuc, prediction } from "../support/monitor-records.ts";

const OPTIONS = { retentionDays: 14 };
const stub = (model: string) => env.MONITOR.get(env.MONITOR.idFromName(model));
const fold = (model: string, records: QueueRecord[]) => stub(model).fold(records, OPTIONS);
const quality = async (model: string, at = Date.now()) =>
  (await stub(model).quality(model, { at, windows: ["1h", "24h", "7d"] })) as unknown as QualityDocument;
const report = (doc: QualityDocument, window = "24h") => doc.reports.find((r) => r.window === window)!.report;

const SCORES = [0.9, 0.8, 0.7, 0.6, 0.4, 0.35, 0.3, 0.2, 0.15, 0.1];
const LABELS: Array<0 | 1> = [1, 1, 0, 1, 0, 1, 0, 0, 0, 0];
const logLoss = (pairs: Array<{ score: number; y: 0 | 1 }>) =>
  -pairs.reduce((s, { score, y }) => s + (y ? Math.log(score) : Math.log(1 - score)), 0) / pairs.length;

describe("Monitor object: joins", () => {
  it("joins outcomes that come after their predictions and outcomes that come before", async () => {
    const model = "m-join";
    // Half the outcomes first, then every prediction, then the other half of the outcomes.
    const early = SCORES.map((_, i) => i).filter((i) => i % 2 === 0);
    const late = SCORES.map((_, i) => i).filter((i) => i % 2 === 1);
    const first = await fold(
      model,
      early.map((i) => outcome(model, `k${i}`, LABELS[i]!)),
    );
    expect(first).toMatchObject({ outcomes: 5, joined: 0, duplicates: 0 });
    const second = await fold(
      model,
      SCORES.map((s, i) => prediction(model, `r${i}`, `k${i}`, s)),
    );
    expect(second).toMatchObject({ predictions: 10, joined: 5 });
    const third = await fold(
      model,
      late.map((i) => outcome(model, `k${i}`, LABELS[i]!)),
    );
    expect(third).toMatchObject({ outcomes: 5, joined: 5 });

    const r = report(await quality(model));
    const pairs = SCORES.map((score, i) => ({ score, y: LABELS[i]! }));
    expect(r.count).toBe(10);
    expect(r.joined).toBe(10);
    expect(r.binary?.positives).toBe(4);
    expect(r.binary?.negatives).toBe(6);
    expect(Math.abs(r.binary!.auc! - pairAuc(pairs))).toBeLessThanOrEqual(r.binary!.auc_bound! + 1e-12);
    expect(r.binary!.log_loss).toBeCloseTo(logLoss(pairs), 9);
  });

  it("joins one outcome to every prediction of its key, and predictions without a key to none", async () => {
    const model = "m-many";
    await fold(model, [
      prediction(model, "a", "flight-1", 0.2),
      prediction(model, "b", "flight-1", 0.6, { version: 2, arm: "canary" }),
      prediction(model, "c", null, 0.5),
    ]);
    expect(await fold(model, [outcome(model, "flight-1", 1)])).toMatchObject({ joined: 2 });
    const doc = await quality(model);
    const v1 = doc.reports.find((x) => x.version === 1 && x.window === "1h")!.report;
    const v2 = doc.reports.find((x) => x.version === 2 && x.arm === "canary" && x.window === "1h")!.report;
    expect([v1.count, v1.joined, v2.count, v2.joined]).toEqual([2, 1, 1, 1]);
  });
});

describe("Monitor object: idempotence", () => {
  it("counts a retried batch once: predictions by request id and row, errors by request id, outcomes by key and value", async () => {
    const model = "m-retry";
    const batch: QueueRecord[] = [
      prediction(model, "r1", "k1", 0.8),
      prediction(model, "r1", "k2", 0.3, { row: 1 }),
      failure(model, "r2"),
      outcome(model, "k1", 1),
    ];
    expect(await fold(model, batch)).toMatchObject({
      predictions: 2,
      errors: 1,
      outcomes: 1,
      duplicates: 0,
      joined: 1,
    });
    const at = Date.now() + 1000;
    const before = await quality(model, at);
    expect(await fold(model, batch)).toMatchObject({
      predictions: 0,
      errors: 0,
      outcomes: 0,
      duplicates: 4,
      joined: 0,
    });
    expect(await fold(model, [outcome(model, "k1", 1, "2001-06-16T00:00:00Z")])).toMatchObject({ duplicates: 1 });
    const after = await quality(model, at);
    expect(after.reports).toEqual(before.reports);
    const r = report(after, "1h");
    expect([r.count, r.requests, r.errors, r.joined]).toEqual([2, 1, 1, 1]);
    const stats = await stub(model).stats();
    expect(stats).toEqual([
      expect.objectContaining({ version: 1, inference_count: 2, execution_count: 1, success_count: 1, fail_count: 1 }),
    ]);
  });

  it("lets the latest outcome time win for a key: a later value replaces the old one, an earlier one is kept out", async () => {
    const model = "m-change";
    await fold(model, [prediction(model, "r1", "k1", 0.9), prediction(model, "r2", "k2", 0.2)]);
    await fold(model, [outcome(model, "k1", 0, "2001-06-15T10:00:00Z"), outcome(model, "k2", 0)]);
    expect(report(await quality(model)).binary).toMatchObject({ positives: 0, negatives: 2 });
    // A correction: k1 was late after all (a later report).
    const changed = await fold(model, [outcome(model, "k1", 1, "2001-06-15T12:00:00Z")]);
    expect(changed).toMatchObject({ outcomes: 1, superseded: 0 });
    const r = report(await quality(model));
    expect(r.joined).toBe(2);
    expect(r.binary).toMatchObject({ positives: 1, negatives: 1, auc: 1 });
    expect(r.binary!.log_loss).toBeCloseTo(
      logLoss([
        { score: 0.9, y: 1 },
        { score: 0.2, y: 0 },
      ]),
      9,
    );
    // An older report of k1 arriving late changes nothing.
    expect(await fold(model, [outcome(model, "k1", 0.0001, "2001-06-15T11:00:00Z")])).toMatchObject({ superseded: 1 });
    expect(report(await quality(model)).binary).toMatchObject({ positives: 1, negatives: 1 });
  });

  it("applies a batch whole or not at all (one transaction)", async () => {
    const model = "m-atomic";
    const bad = { ...prediction(model, "r1", "k1", 0.5), arm: null } as unknown as QueueRecord; // violates NOT NULL
    await runInDurableObject(stub(model), async (instance) => {
      const object = instance as unknown as Monitor;
      await expect(object.fold([prediction(model, "r0", "k0", 0.5), bad], OPTIONS)).rejects.toThrow(/NOT NULL/);
      expect(await object.sizes()).toMatchObject({ seen: 0, predictions: 0, hours: 0 });
    });
  });
});

describe("Monitor object: bounded state", () => {
  it("schedules an alarm that deletes rows older than the retention window and keeps newer ones", async () => {
    const model = "m-expiry";
    await fold(model, [prediction(model, "old", "k-old", 0.4), outcome(model, "k-lone", 1)]);
    await fold(model, [prediction(model, "new", "k-new", 0.6)]);
    const s = stub(model);
    // Age the first fold's rows by 15 days (the object's clock cannot be moved; its rows can).
    await runInDurableObject(s, async (_o, state) => {
      expect(await state.storage.getAlarm()).not.toBeNull();
      const aged = Date.now() - 15 * 86_400_000;
      const sql = state.storage.sql;
      for (const t of ["seen", "predictions", "outcomes"])
        sql.exec(
          `UPDATE ${t} SET received = ? WHERE ${t === "seen" ? "id" : "key"} IN (?, ?, ?)`,
          aged,
          ...(t === "seen" ? ["p:old#0", `o:k-lone\u00001`, "x"] : ["k-old", "k-lone", "x"]),
        );
      sql.exec("UPDATE hours SET hour = hour - 15 * 24");
    });
    expect(await s.sizes()).toMatchObject({ seen: 3, predictions: 2, outcomes: 1, hours: 1 });
    expect(await runDurableObjectAlarm(s)).toBe(true);
    expect(await s.sizes()).toMatchObject({ seen: 1, predictions: 1, outcomes: 0, hours: 0, stats: 1 });
    // What is left still expires later: the alarm is set again.
    await runInDurableObject(s, async (_o, state) => expect(await state.storage.getAlarm()).not.toBeNull());
  });
});
