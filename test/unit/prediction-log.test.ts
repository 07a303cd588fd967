/**
 * The prediction log's core (src/core/monitoring: capture, sampling, partitions) and the queue
 * producer's chunking (src/adapters/queues/log-sink.ts), with fakes: sampling is deterministic per
 * request id and keeps the share asked for; the manifest's redaction and key options; batches
 * stay within Queues' limits.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { chunk, LIMITS, queueLogSink } from "../../src/adapters/queues/log-sink.ts";
import { createCapture, type Ending } from "../../src/core/monitoring/capture.ts";
import type { Monitoring } from "../../src/core/monitoring/manifest.ts";
import { checkRecord, partitionOf } from "../../src/core/monitoring/partition.ts";
import type { LogRecord, PredictionRecord } from "../../src/core/monitoring/record.ts";
import { fnv1a, sampled } from "../../src/core/monitoring/sampling.ts";
import type { HostTensor } from "../../src/core/tensors/spec.ts";

const encoder = new TextEncoder();
const f32 = (shape: number[], values: number[]): HostTensor => ({
  dtype: "float32",
  shape,
  values: Float32Array.from(values),
});
const text = (values: string[]): HostTensor => ({
  dtype: "string",
  shape: [values.length],
  values: values.map((v) => encoder.encode(v)),
});

function captured(monitoring?: Partial<Monitoring>, keys: "v1" | "v2" = "v1") {
  const capture = createCapture(keys);
  capture.asked("m");
  capture.chose({ name: "m", version: 3, arm: "canary", label: null });
  if (keys === "v1") capture.keys({ kind: "passthrough", fields: (row) => ({ key: `k${row}` }) });
  else capture.keys({ kind: "id", id: "req" });
  capture.ran({
    inputs: { city: text(["Oslo", "Lima"]), x: f32([2], [0.5, 2]) },
    features: { in: f32([2, 2], [1, 2, 3, 4]) },
    outputs: [{ spec: { name: "p", dtype: "float32", shape: [-1] }, tensor: f32([2], [0.25, 0.75]) }],
    ...(monitoring ? { monitoring: { sample: 1, log_fields: true, hash_key: false, ...monitoring } } : {}),
  });
  return capture;
}
const ending = (requestId = "r-1", status = 200): Ending => ({
  requestId,
  time: Date.UTC(2026, 11, 7),
  latencyMs: 4,
  status,
});

describe("sampling", () => {
  it("hashes request ids with FNV-1a 32 (the published test vectors)", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });

  it("keeps about the share asked for, the same ids every time", () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `request-${i}`);
    for (const share of [0.1, 0.5, 0.9]) {
      const kept = ids.filter((id) => sampled(id, share));
      expect(Math.abs(kept.length / ids.length - share)).toBeLessThan(0.02);
      expect(ids.filter((id) => sampled(id, share))).toEqual(kept);
    }
    expect(ids.every((id) => sampled(id, 1))).toBe(true);
    expect(ids.some((id) => sampled(id, 0))).toBe(false);
  });

  it("drops or keeps a request's rows together, by the model's monitoring.sample", async () => {
    const kept = Array.from({ length: 200 }, (_, i) => `id-${i}`).filter((id) => sampled(id, 0.3));
    const dropped = Array.from({ length: 200 }, (_, i) => `id-${i}`).find((id) => !sampled(id, 0.3))!;
    expect(await captured({ sample: 0.3 }).records(ending(kept[0]))).toHaveLength(2);
    expect(captured({ sample: 0.3 }).count(ending(dropped))).toBe(0);
    expect(await captured({ sample: 0.3 }).records(ending(dropped))).toEqual([]);
  });
});

describe("capture", () => {
  it("one record per row: fields, features, outputs, score, key", async () => {
    const records = (await captured().records(ending())) as PredictionRecord[];
    expect(records.map((r) => [r.row, r.key, r.features, r.outputs, r.score, r.arm, r.version])).toEqual([
      [0, "k0", [1, 2], { p: [0.25] }, 0.25, "canary", 3],
      [1, "k1", [3, 4], { p: [0.75] }, 0.75, "canary", 3],
    ]);
    expect(JSON.parse(records[1]!.fields!)).toEqual({ city: "Lima", x: 2, key: "k1" });
    expect(records[0]!.time).toBe("2026-12-07T00:00:00.000Z");
  });

  it("log_fields=false leaves the raw fields out; hash_key logs sha256:<hex> of the key", async () => {
    const records = (await captured({ log_fields: false, hash_key: true }).records(ending())) as PredictionRecord[];
    expect(records.map((r) => r.fields)).toEqual([null, null]);
    const hex = (s: string) => createHash("sha256").update(s).digest("hex");
    expect(records.map((r) => r.key)).toEqual([`sha256:${hex("k0")}`, `sha256:${hex("k1")}`]);
  });

  it("key_field names the request field that is the key; v2 keys are <id>#<row>", async () => {
    const byCity = (await captured({ key_field: "city" }).records(ending())) as PredictionRecord[];
    expect(byCity.map((r) => r.key)).toEqual(["Oslo", "Lima"]);
    const v2 = (await captured(undefined, "v2").records(ending())) as PredictionRecord[];
    expect(v2.map((r) => r.key)).toEqual(["req#0", "req#1"]);
  });

  it("a failed request is one error record; a request that never asked for a model gives none", async () => {
    const failed = await captured().records({ ...ending(), status: 400, code: "INVALID_INPUT" });
    expect(failed).toEqual([
      {
        kind: "error",
        time: "2026-12-07T00:00:00.000Z",
        request_id: "r-1",
        protocol: "v1",
        model: "m",
        version: 3,
        arm: "canary",
        code: "INVALID_INPUT",
        status: 400,
        latency_ms: 4,
      },
    ]);
    expect(await createCapture("v1").records(ending())).toEqual([]);
  });

  it("every record it builds passes the consumer's check and has a partition", async () => {
    const records: LogRecord[] = [
      ...(await captured({ hash_key: true }).records(ending())),
      ...(await captured().records({ ...ending(), status: 503, code: "MODEL_NOT_READY" })),
    ];
    for (const r of records) expect(checkRecord(JSON.parse(JSON.stringify(r)))).toEqual(r);
    expect(partitionOf(records[0]!)).toBe("logs/predictions/model=m/version=3/date=2026-12-07");
    expect(partitionOf(records[2]!)).toBeUndefined();
  });
});

describe("the queue producer", () => {
  it("chunks to 100 messages and the byte limit per sendBatch; oversize records apart", () => {
    const small = chunk(Array.from({ length: 250 }, () => 100));
    expect(small.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    const big = chunk([100_000, 100_000, 100_000, 200_000]);
    expect(big.batches).toEqual([[0, 1], [2]]);
    expect(big.oversize).toEqual([3]);
    for (const batch of big.batches) expect(batch.length * 100_000).toBeLessThanOrEqual(LIMITS.batchBytes);
  });

  it("sends every batch it can, then reports what it could not", async () => {
    const sent: unknown[][] = [];
    let calls = 0;
    const sink = queueLogSink({
      async sendBatch(messages) {
        calls++;
        if (calls === 2) throw new Error("down");
        sent.push([...messages].map((m) => m.body));
      },
    });
    const records = (await captured().records(ending())) as PredictionRecord[];
    const many = Array.from({ length: 150 }, (_, i) => ({ ...records[0]!, row: i }));
    await expect(sink.send(many)).rejects.toThrow(/not sent: 50 record\(s\): Error: down/);
    expect(sent.map((b) => b.length)).toEqual([100]);
  });
});
