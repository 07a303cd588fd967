/**
 * The prediction log's queue consumer inside workerd, on Miniflare's R2: each batch becomes one
 * Parquet file per Hive partition, named by its first message id; a redelivered batch rewrites
 * the same objects (each record once); a malformed message is retried explicitly (so Queues moves
 * it to the dead-letter queue after max_retries) while the rest are acked; dead-letter batches
 * are kept whole in R2. The files are read back with hyparquet (a reader, not our writer).
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { r2LogFiles } from "../../src/adapters/r2/log-files.ts";
import type { OutcomeRecord, PredictionRecord, QualitySink, QueueRecord } from "../../src/core/monitoring/record.ts";
import { consumeLog } from "../../src/worker/log-consumer.ts";
import worker from "../../src/worker.ts";

const LOGS = (env as unknown as { LOGS: R2Bucket }).LOGS;
const QUEUE = "stateless-serve-log";

function prediction(model: string, version: number, time: string, row: number, extra: Partial<PredictionRecord> = {}) {
  return {
    kind: "prediction",
    time,
    request_id: `req-${model}-${row}`,
    protocol: "v1",
    model,
    version,
    arm: "explicit",
    label: null,
    row,
    key: `k-${row}`,
    as_of: "2026-12-01T09:00:00.000Z",
    fields: JSON.stringify({ x: row }),
    features: [Math.fround(0.1 * row), -1.5, Math.fround(1 / 3)],
    outputs: { score: [Math.fround(0.25 + row / 100)] },
    score: Math.fround(0.25 + row / 100),
    lookups: [{ lookup: "ap", key: "ap:SFO", status: "present", updated_at: "2026-12-01T08:00:00Z" }],
    latency_ms: 3.5,
    ...extra,
  } satisfies PredictionRecord;
}
const outcome = (model: string, key: string, value: number, time: string): OutcomeRecord => ({
  kind: "outcome",
  model,
  key,
  value,
  time,
});

/** Runs the Worker's own queue() handler on a batch and returns the ack/retry result. */
async function deliver(queue: string, messages: Array<{ id: string; body: unknown; attempts?: number }>) {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({
      id: m.id,
      timestamp: new Date("2026-12-01T10:00:00Z"),
      attempts: m.attempts ?? 1,
      body: m.body,
    })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

async function readParquet(key: string): Promise<Record<string, unknown>[]> {
  const object = await LOGS.get(key);
  expect(object, key).not.toBeNull();
  return parquetReadObjects({ file: await object!.arrayBuffer() });
}

const listed = async (prefix: string) => (await LOGS.list({ prefix })).objects.map((o) => o.key).sort();

describe("the log consumer", () => {
  it("writes one Parquet file per partition, named by the partition's first message id", async () => {
    const model = `m${crypto.randomUUID().slice(0, 8)}`;
    const messages = [
      { id: "a1", body: prediction(model, 1, "2026-12-01T10:00:00.000Z", 0) },
      { id: "a2", body: prediction(model, 2, "2026-12-01T10:00:01.000Z", 1) },
      { id: "a3", body: prediction(model, 1, "2026-12-02T00:00:00.000Z", 2) },
      { id: "a4", body: prediction(model, 1, "2026-12-01T23:59:59.999Z", 3) },
      { id: "a5", body: outcome(model, "k-0", 1, "2026-12-03T08:00:00.000Z") },
    ];
    const result = await deliver(QUEUE, messages);
    expect(result.explicitAcks.sort()).toEqual(["a1", "a2", "a3", "a4", "a5"]);
    expect(result.retryMessages).toEqual([]);
    expect(await listed(`logs/predictions/model=${model}/`)).toEqual([
      `logs/predictions/model=${model}/version=1/date=2026-12-01/a1.parquet`,
      `logs/predictions/model=${model}/version=1/date=2026-12-02/a3.parquet`,
      `logs/predictions/model=${model}/version=2/date=2026-12-01/a2.parquet`,
    ]);
    expect(await listed(`logs/outcomes/model=${model}/`)).toEqual([
      `logs/outcomes/model=${model}/date=2026-12-03/a5.parquet`,
    ]);
    const day1 = await readParquet(`logs/predictions/model=${model}/version=1/date=2026-12-01/a1.parquet`);
    expect(day1.map((r) => r.row)).toEqual([0, 3]);
    const first = day1[0]!;
    const sent = messages[0]!.body as PredictionRecord;
    expect(first.request_id).toBe(sent.request_id);
    expect(first.key).toBe("k-0");
    expect((first.time as Date).toISOString()).toBe(sent.time);
    expect((first.as_of as Date).toISOString()).toBe(sent.as_of);
    expect(first.features).toEqual(sent.features);
    // hyparquet parses JSON columns: one level of JSON, not a JSON text inside JSON.
    expect(first.outputs).toEqual(sent.outputs);
    expect(first.fields).toEqual(JSON.parse(sent.fields!));
    expect(first.score).toBe(sent.score);
    expect(first.lookups).toEqual(sent.lookups);
    expect(first.latency_ms).toBe(3.5);
    const outcomes = await readParquet(`logs/outcomes/model=${model}/date=2026-12-03/a5.parquet`);
    expect(outcomes.map((o) => ({ ...o, time: (o.time as Date).toISOString() }))).toEqual([
      { key: "k-0", value: 1, time: "2026-12-03T08:00:00.000Z" },
    ]);
  });

  it("a redelivered batch rewrites the same objects: each record once", async () => {
    const model = `m${crypto.randomUUID().slice(0, 8)}`;
    const messages = [0, 1, 2].map((row) => ({
      id: `r${row}`,
      body: prediction(model, 1, "2026-12-01T10:00:00.000Z", row),
    }));
    await deliver(QUEUE, messages);
    const before = await listed(`logs/predictions/model=${model}/`);
    const again = await deliver(
      QUEUE,
      messages.map((m) => ({ ...m, attempts: 2 })),
    );
    expect(again.explicitAcks.sort()).toEqual(["r0", "r1", "r2"]);
    const after = await listed(`logs/predictions/model=${model}/`);
    expect(after).toEqual(before);
    expect(after).toHaveLength(1);
    expect((await readParquet(after[0]!)).map((r) => r.row)).toEqual([0, 1, 2]);
  });

  it("retries malformed messages explicitly and acks the rest", async () => {
    const model = `m${crypto.randomUUID().slice(0, 8)}`;
    const result = await deliver(QUEUE, [
      { id: "ok", body: prediction(model, 1, "2026-12-01T10:00:00.000Z", 0) },
      { id: "not-json-object", body: "hello" },
      { id: "unknown-kind", body: { kind: "mystery" } },
      { id: "bad-time", body: prediction(model, 1, "yesterday", 1) },
      { id: "bad-features", body: prediction(model, 1, "2026-12-01T10:00:00.000Z", 2, { features: ["x"] as never }) },
    ]);
    expect(result.explicitAcks).toEqual(["ok"]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual([
      "bad-features",
      "bad-time",
      "not-json-object",
      "unknown-kind",
    ]);
    expect(result.retryBatch.retry).toBe(false);
    expect(await listed(`logs/predictions/model=${model}/`)).toHaveLength(1);
  });

  it("retries a partition whose write failed, and only that one", async () => {
    const model = `m${crypto.randomUUID().slice(0, 8)}`;
    const failing = {
      put: (key: string, value: unknown, options: unknown) =>
        key.includes("version=2")
          ? Promise.reject(new Error("R2 down (test)"))
          : LOGS.put(key, value as never, options as never),
    } as unknown as R2Bucket;
    const batch = createMessageBatch(QUEUE, [
      { id: "v1", timestamp: new Date(), attempts: 1, body: prediction(model, 1, "2026-12-01T10:00:00.000Z", 0) },
      { id: "v2", timestamp: new Date(), attempts: 1, body: prediction(model, 2, "2026-12-01T10:00:00.000Z", 1) },
    ]);
    const ctx = createExecutionContext();
    await consumeLog(batch, r2LogFiles(failing), undefined, () => {});
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["v1"]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["v2"]);
  });

  it("folds written records into the quality sink, and retries them when the fold fails", async () => {
    const model = `m${crypto.randomUUID().slice(0, 8)}`;
    const folded: QueueRecord[][] = [];
    const sink: QualitySink = { fold: async (records) => void folded.push(records) };
    const error = {
      kind: "error",
      time: "2026-12-01T10:00:00.000Z",
      request_id: "e",
      protocol: "v2",
      model,
      version: null,
      arm: null,
      code: "INVALID_INPUT",
      status: 400,
      latency_ms: 1,
    };
    const messages = [
      { id: "p", timestamp: new Date(), attempts: 1, body: prediction(model, 1, "2026-12-01T10:00:00.000Z", 0) },
      { id: "e", timestamp: new Date(), attempts: 1, body: error },
    ];
    const ok = createMessageBatch(QUEUE, messages);
    await consumeLog(ok, r2LogFiles(LOGS), sink, () => {});
    expect(folded).toHaveLength(1);
    expect(folded[0]!.map((r) => r.kind)).toEqual(["prediction", "error"]);
    expect((await getQueueResult(ok, createExecutionContext())).explicitAcks.sort()).toEqual(["e", "p"]);

    const broken = createMessageBatch(QUEUE, messages);
    await consumeLog(broken, r2LogFiles(LOGS), { fold: () => Promise.reject(new Error("DO down")) }, () => {});
    const result = await getQueueResult(broken, createExecutionContext());
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual(["e", "p"]);
  });

  it("keeps a dead-letter batch whole in R2 and acks it", async () => {
    const id = `dead-${crypto.randomUUID().slice(0, 8)}`;
    const result = await deliver(`${QUEUE}-dlq`, [
      { id, body: { kind: "mystery" }, attempts: 4 },
      { id: `${id}-b`, body: "hello", attempts: 4 },
    ]);
    expect(result.ackAll).toBe(true);
    expect(result.retryBatch.retry).toBe(false);
    const object = await LOGS.get(`logs/dead-letter/date=2026-12-01/${id}.json`);
    expect(object).not.toBeNull();
    const letters = (await object!.json()) as Array<{ id: string; body: unknown; attempts: number }>;
    expect(letters.map((l) => [l.id, l.body, l.attempts])).toEqual([
      [id, { kind: "mystery" }, 4],
      [`${id}-b`, "hello", 4],
    ]);
  });
});
