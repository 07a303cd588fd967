/**
 * The prediction log on the predict path, inside workerd: what a request sends to LOG_QUEUE
 * (one record per answered row, one error record per failed request) equals the answer it got
 * and the features the model received, over v1, v2 and RPC; and neither logging nor a failing
 * queue changes a single byte of any answer in the case table.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import contextFile from "../../model/artifacts/flights/context.json";
import type { ErrorRecord, PredictionRecord, QueueRecord } from "../../src/core/monitoring/record.ts";
import { Predictor } from "../../src/rpc/predictor.ts";
import { appWith, envWith } from "../support/app-with.ts";
import { CASES } from "../support/cases.ts";
import { entriesFor, FLIGHTS } from "../support/flights.ts";
import { failingQueue, recordingQueue } from "../support/log-queue.ts";

const TINY_V1 = "/v1/models/tiny_layers/versions/1:predict";
const TINY_V2 = "/v2/models/tiny_layers/versions/1/infer";
const rows = [
  { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2], key: "k-0" },
  { features: [-1, 0.5, 2, 0.25], extra: [0, -3], key: "k-1" },
];

/** A request with its own id, through the app with a recording queue; resolves once its records arrived. */
async function logged(path: string, body: unknown, expected: number, overrides: Record<string, unknown> = {}) {
  const queue = recordingQueue();
  const requestId = crypto.randomUUID();
  const res = await appWith({ LOG_QUEUE: queue, ...overrides }).post(path, body, { "x-request-id": requestId });
  await vi.waitFor(() => expect(queue.sent.length).toBe(expected));
  return { res, records: queue.sent, requestId, queue };
}

const predictions = (records: QueueRecord[]) => records as PredictionRecord[];
const f32 = (values: number[]) => Array.from(Float32Array.from(values));

describe("one record per answered row", () => {
  it("v1 row format: the row's key, fields, the inputs the model received, and the answer's outputs", async () => {
    const { res, records, requestId } = await logged(TINY_V1, { instances: rows }, 2);
    expect(res.status).toBe(200);
    const [a, b] = predictions(records);
    for (const [i, r] of [a!, b!].entries()) {
      expect(r).toMatchObject({
        kind: "prediction",
        request_id: requestId,
        protocol: "v1",
        model: "tiny_layers",
        version: 1,
        arm: "explicit",
        label: null,
        row: i,
        key: `k-${i}`,
        as_of: null,
        lookups: [],
      });
      // The model's two inputs, in its signature's order, as float32.
      expect(r.features).toEqual(f32([...rows[i]!.features, ...rows[i]!.extra]));
      // The fields as the signature decoded them (float32 inputs), then the pass-through key.
      const row = rows[i]!;
      expect(JSON.parse(r.fields!)).toEqual({ features: f32(row.features), extra: f32(row.extra), key: row.key });
      // The answer prints float32 values in their shortest form; the log keeps the same float32 values.
      const answered = res.json.predictions[i];
      expect(r.outputs).toEqual({ score: f32(answered.score), probs: f32(answered.probs) });
      expect(r.score).toBe(Math.fround(answered.score[0]));
      expect(r.latency_ms).toBeGreaterThanOrEqual(0);
      expect(Date.parse(r.time)).not.toBeNaN();
    }
  });

  it("v1 columnar format: each row's pass-through key", async () => {
    const inputs = {
      features: rows.map((r) => r.features),
      extra: rows.map((r) => r.extra),
      key: ["c-0", "c-1"],
    };
    const { res, records } = await logged(TINY_V1, { inputs }, 2);
    expect(res.status).toBe(200);
    expect(predictions(records).map((r) => r.key)).toEqual(["c-0", "c-1"]);
    expect(predictions(records)[1]!.outputs.score).toEqual(f32(res.json.outputs.score[1]));
  });

  it("v2: key `<id>#<row>`, protocol v2, outputs equal the answer's tensors", async () => {
    const body = {
      id: "req-42",
      inputs: [
        { name: "features", shape: [2, 4], datatype: "FP32", data: rows.flatMap((r) => r.features) },
        { name: "extra", shape: [2, 2], datatype: "FP32", data: rows.flatMap((r) => r.extra) },
      ],
    };
    const { res, records } = await logged(TINY_V2, body, 2);
    expect(res.status).toBe(200);
    const out = (name: string) => res.json.outputs.find((o: { name: string }) => o.name === name).data as number[];
    predictions(records).forEach((r, i) => {
      expect(r).toMatchObject({ protocol: "v2", key: `req-42#${i}`, arm: "explicit", row: i });
      expect(r.outputs.score).toEqual(f32(out("score").slice(i, i + 1)));
      expect(r.outputs.probs).toEqual(f32(out("probs").slice(i * 3, i * 3 + 3)));
      expect(r.features).toEqual(f32([...rows[i]!.features, ...rows[i]!.extra]));
    });
  });

  it("RPC: protocol rpc, the same record as the answer says", async () => {
    const queue = recordingQueue();
    const ctx = createExecutionContext();
    const predictor = new Predictor(ctx, envWith({ LOG_QUEUE: queue }));
    const answer = await predictor.predict("tiny_layers", rows, { version: 1 });
    await waitOnExecutionContext(ctx);
    expect(queue.sent).toHaveLength(2);
    predictions(queue.sent).forEach((r, i) => {
      expect(r).toMatchObject({ protocol: "rpc", model: "tiny_layers", version: 1, key: `k-${i}`, row: i });
      expect(r.outputs.score).toEqual(f32((answer.predictions[i] as { score: number[] }).score));
      expect(r.features).toEqual(f32([...rows[i]!.features, ...rows[i]!.extra]));
    });
  });

  it("how the version was chosen: default route, label, explicit", async () => {
    const body = { instances: rows.slice(0, 1) };
    const unversioned = await logged("/v1/models/tiny_layers:predict", body, 1);
    const labelled = await logged("/v1/models/tiny_layers/labels/stable:predict", body, 1);
    expect(predictions(unversioned.records)[0]).toMatchObject({ arm: "default", label: null });
    expect(predictions(unversioned.records)[0]!.version).toBe(Number(unversioned.res.headers.get("x-model-version")));
    expect(predictions(labelled.records)[0]).toMatchObject({ arm: "label", label: "stable" });
  });

  it("a failed request is one error record with its code", async () => {
    const { res, records } = await logged(TINY_V1, { instances: [{ features: [1, 2], extra: [1, 2] }] }, 1);
    expect(res.status).toBe(400);
    expect(records[0]).toMatchObject({
      kind: "error",
      model: "tiny_layers",
      version: 1,
      arm: "explicit",
      protocol: "v1",
      code: "INVALID_INPUT",
      status: 400,
    } satisfies Partial<ErrorRecord>);
  });

  it("PREDICTION_LOG=off sends nothing", async () => {
    const queue = recordingQueue();
    const res = await appWith({ LOG_QUEUE: queue, PREDICTION_LOG: "off" }).post(TINY_V1, { instances: rows });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(queue.calls).toBe(0);
  });
});

describe("flights: the features the model received and each lookup's status", () => {
  beforeAll(async () => {
    const all = JSON.parse(new TextDecoder().decode(contextFile as unknown as ArrayBuffer)) as Array<{
      key: string;
      value: string;
    }>;
    await Promise.all(entriesFor(all).map((e) => env.CONTEXT.put(e.key, e.value)));
  });

  it("equals the Node pipeline's features (float32) and missing keys for sampled June flights", async () => {
    const cases = FLIGHTS.cases.slice(0, 12);
    for (const c of cases) {
      const body = { instances: [{ ...c.row, key: "f" }], ...(c.as_of ? { as_of: c.as_of } : {}) };
      const { res, records } = await logged("/v1/models/flights:predict", body, 1);
      expect(res.status, res.text.slice(0, 200)).toBe(200);
      const r = predictions(records)[0]!;
      // The Node reference is float64; the model receives float32.
      r.features.forEach((v, k) => expect(Math.abs(v - Math.fround(c.features[k]!))).toBeLessThanOrEqual(1e-6));
      expect(r.score).toBe(Math.fround(res.json.predictions[0].delay_probability));
      expect(r.lookups.map((l) => l.lookup)).toEqual([
        "origin",
        "destination",
        "route",
        "origin_live",
        "destination_live",
      ]);
      expect(r.lookups.filter((l) => l.status === "missing").map((l) => l.key)).toEqual(
        expect.arrayContaining(c.missing),
      );
      expect(r.lookups.filter((l) => l.status === "missing")).toHaveLength(new Set(c.missing).size);
      // An instant as_of comes back as that instant; a local one (or the default) as some instant.
      if (c.as_of?.endsWith("Z")) expect(r.as_of).toBe(new Date(c.as_of).toISOString());
      else expect(r.as_of).toMatch(/^2001-06-\d\dT\d\d:\d\d:00\.000Z$/);
    }
  });
});

describe("answers are byte-identical with logging on, off, or failing", () => {
  const runs = CASES.flatMap((c) =>
    (["v1", "v2"] as const).flatMap((p) => (c[p] ? [[`${p}: ${c.name}`, c[p]!] as const] : [])),
  );

  it.each(runs)("%s", async (_label, request) => {
    const headers = { ...request.headers, "x-request-id": "same-id-for-all-three" };
    const call = (overrides: Record<string, unknown>) =>
      appWith(overrides).call(request.method ?? "POST", request.path, request.body, headers);
    const failing = failingQueue();
    const off = await call({ PREDICTION_LOG: "off" });
    const on = await call({ LOG_QUEUE: recordingQueue() });
    const broken = await call({ LOG_QUEUE: failing });
    for (const other of [on, broken]) {
      expect(other.status).toBe(off.status);
      expect(other.text).toBe(off.text);
      expect(other.headers.get("content-type")).toBe(off.headers.get("content-type"));
    }
    // An answered prediction did try the failing queue (and the answer above did not notice).
    if (off.status === 200 && /:predict$|\/infer$/.test(request.path))
      await vi.waitFor(() => expect(failing.calls).toBeGreaterThan(0));
  });
});
