/**
 * Shadow versions inside workerd (docs/monitoring.md, "Shadow versions"): a shadow changes no
 * byte of any answer (v1, v2, RPC); its rows reach the prediction log as arm `shadow` with the
 * answer's request id, rows and keys, its outputs those of the shadow version asked directly and
 * the answered score beside them; its failures (a broken artifact, a version that is not there,
 * required context that is missing) reach no caller and nothing answers 5xx; context the answer
 * read is not read again, other context is; the sampling follows the request id; null (`--off`)
 * stops it; and the Monitor compares the two on the same rows and joins outcomes to both.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BUNDLED_MODELS } from "../../src/adapters/bundled/models.generated.ts";
import type { ErrorRecord, PredictionRecord, QueueRecord } from "../../src/core/monitoring/record.ts";
import type { QualityDocument } from "../../src/core/monitoring/report.ts";
import { app } from "../../src/http/app.ts";
import { Predictor } from "../../src/rpc/predictor.ts";
import { envWith, type Overrides } from "../support/app-with.ts";
import { CASES } from "../support/cases.ts";
import { client } from "../support/client.ts";
import { recordingQueue } from "../support/log-queue.ts";
import { outcome } from "../support/monitor-records.ts";
import { distinctFiles, identityOf } from "../support/repository.ts";

const TINY_V1 = "/v1/models/tiny_layers/versions/1:predict";
const rows = [
  { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2], key: "k-0" },
  { features: [-1, 0.5, 2, 0.25], extra: [0, -3], key: "k-1" },
];
const f32 = (values: number[]) => Array.from(Float32Array.from(values));

/**
 * A REGISTRY namespace holding the given pointer records (and nothing else): a new object per
 * call, so the isolate's pointer-record memo (keyed by the namespace) never carries one test's
 * record into another.
 */
function registryWith(records: Record<string, unknown>) {
  const text = (key: string) => (key in records ? JSON.stringify(records[key]) : null);
  return {
    get: async (key: string) => text(key),
    list: async (options?: { prefix?: string; limit?: number }) => ({
      keys: Object.keys(records)
        .filter((k) => k.startsWith(options?.prefix ?? ""))
        .slice(0, options?.limit)
        .map((name) => ({ name })),
      list_complete: true,
    }),
  };
}
const shadowOf = (model: string, shadow: unknown, versions: Record<string, unknown> = {}) =>
  registryWith({ [`model:${model}`]: { versions, labels: {}, canary_percent: 0, history: {}, shadow } });

/** The HTTP app with an ExecutionContext: each call returns once everything it left in waitUntil (log, shadow) is done. */
const settled = (overrides: Overrides = {}) =>
  client(async (url, init) => {
    const ctx = createExecutionContext();
    const res = await app.request(url, init, envWith(overrides), ctx);
    const body = await res.arrayBuffer();
    await waitOnExecutionContext(ctx);
    return new Response(body, res);
  });

type Logged = PredictionRecord | ErrorRecord;
const logged = (sent: QueueRecord[]) => sent.filter((r): r is Logged => r.kind !== "outcome");
const shadowRows = (sent: QueueRecord[]) => logged(sent).filter((r) => r.arm === "shadow");
const served = (sent: QueueRecord[]) => logged(sent).filter((r) => r.arm !== "shadow");

afterEach(() => vi.restoreAllMocks());

describe("a shadow changes no answer byte", () => {
  const runs = CASES.flatMap((c) =>
    (["v1", "v2"] as const).flatMap((p) => (c[p] ? [[`${p}: ${c.name}`, c[p]!] as const] : [])),
  );
  it.each(runs)("%s", async (_label, request) => {
    const headers = { ...request.headers, "x-request-id": "shadow-same-id" };
    const plain = recordingQueue();
    const shadowed = recordingQueue();
    const off = await settled({ LOG_QUEUE: plain }).call(request.method ?? "POST", request.path, request.body, headers);
    // tiny_layers shadowed by version 2, flights by itself: both run on every request (sample 1).
    const registry = registryWith({
      "model:tiny_layers": { versions: {}, labels: {}, shadow: { version: 2, sample: 1 } },
      "model:flights": { versions: {}, labels: {}, shadow: { version: 1, sample: 1 } },
    });
    const on = await settled({ LOG_QUEUE: shadowed, REGISTRY: registry }).call(
      request.method ?? "POST",
      request.path,
      request.body,
      headers,
    );
    expect(on.status).toBe(off.status);
    expect(on.text).toBe(off.text);
    expect(on.headers.get("content-type")).toBe(off.headers.get("content-type"));
    expect(on.headers.get("x-model-version")).toBe(off.headers.get("x-model-version"));
    // The answer's rows are the same; the shadow ran (after the answer) with one row per answered row.
    const same = (r: QueueRecord) => ({ ...r, time: expect.any(String), latency_ms: expect.any(Number) });
    expect(served(shadowed.sent)).toEqual(plain.sent.map(same));
    const answered = plain.sent.filter((r) => r.kind === "prediction").length;
    expect(shadowRows(shadowed.sent)).toHaveLength(answered);
    if (off.status === 200 && /:predict$|\/infer$/.test(request.path) && request.path.includes("tiny_layers"))
      expect(answered).toBeGreaterThan(0);
    expect(shadowRows(plain.sent)).toHaveLength(0);
  });

  it("RPC predict and infer: the same answers with and without a shadow", async () => {
    const call = async (registry?: unknown) => {
      const queue = recordingQueue();
      const ctx = createExecutionContext();
      const predictor = new Predictor(ctx, envWith({ LOG_QUEUE: queue, ...(registry ? { REGISTRY: registry } : {}) }));
      const predicted = await predictor.predict("tiny_layers", rows, { version: 1 });
      const inferred = await predictor.infer("tiny_layers", {
        id: "rpc-1",
        inputs: [
          { name: "features", shape: [2, 4], datatype: "FP32", data: rows.flatMap((r) => r.features) },
          { name: "extra", shape: [2, 2], datatype: "FP32", data: rows.flatMap((r) => r.extra) },
        ],
      });
      await waitOnExecutionContext(ctx);
      return { answers: JSON.stringify([predicted, inferred]), sent: queue.sent };
    };
    const off = await call();
    const on = await call(shadowOf("tiny_layers", { version: 2, sample: 1 }));
    expect(on.answers).toBe(off.answers);
    // waitOnExecutionContext waited for the shadow too: its rows are there, protocol rpc.
    expect(shadowRows(on.sent)).toHaveLength(4);
    for (const r of shadowRows(on.sent)) expect(r).toMatchObject({ protocol: "rpc", version: 2, arm: "shadow" });
  });
});

describe("the shadow's rows in the prediction log", () => {
  it("arm shadow, the answer's request id, rows and keys, the shadow version's outputs, the answered score beside them", async () => {
    const queue = recordingQueue();
    const requestId = crypto.randomUUID();
    const registry = shadowOf("tiny_layers", { version: 2, sample: 1 });
    const res = await settled({ LOG_QUEUE: queue, REGISTRY: registry }).post(
      TINY_V1,
      { instances: rows },
      { "x-request-id": requestId },
    );
    expect(res.status).toBe(200);
    expect(queue.sent).toHaveLength(4);
    // Independent reference: version 2 asked directly for the same rows.
    const direct = await settled().post("/v1/models/tiny_layers/versions/2:predict", { instances: rows });
    const answer = served(queue.sent) as PredictionRecord[];
    const shadow = (shadowRows(queue.sent) as PredictionRecord[]).sort((a, b) => a.row - b.row);
    expect(shadow.map((r) => [r.row, r.key])).toEqual(answer.map((r) => [r.row, r.key]));
    shadow.forEach((r, i) => {
      expect(r).toMatchObject({
        kind: "prediction",
        request_id: requestId,
        protocol: "v1",
        model: "tiny_layers",
        version: 2,
        arm: "shadow",
        label: null,
        row: i,
        key: `k-${i}`,
        time: answer[i]!.time,
      });
      expect(r.features).toEqual(answer[i]!.features);
      expect(r.outputs).toEqual({
        score: f32(direct.json.predictions[i].score),
        probs: f32(direct.json.predictions[i].probs),
      });
      const answered = Math.fround(res.json.predictions[i].score[0]);
      expect(r.served).toEqual({
        version: 1,
        arm: "explicit",
        score: answered,
        same_class: answered > 0.5 === r.score > 0.5,
      });
      expect(r.latency_ms).toBeGreaterThanOrEqual(0);
    });
  });

  it("v2: the keys are the answer's `<id>#<row>`", async () => {
    const queue = recordingQueue();
    const body = {
      id: "shadow-v2",
      inputs: [
        { name: "features", shape: [2, 4], datatype: "FP32", data: rows.flatMap((r) => r.features) },
        { name: "extra", shape: [2, 2], datatype: "FP32", data: rows.flatMap((r) => r.extra) },
      ],
    };
    const registry = shadowOf("tiny_layers", { version: 2, sample: 1 });
    const res = await settled({ LOG_QUEUE: queue, REGISTRY: registry }).post("/v2/models/tiny_layers/infer", body);
    expect(res.status).toBe(200);
    expect(shadowRows(queue.sent)).toHaveLength(2);
    const keys = (records: QueueRecord[]) => (records as PredictionRecord[]).map((r) => r.key).sort();
    expect(keys(shadowRows(queue.sent))).toEqual(["shadow-v2#0", "shadow-v2#1"]);
    expect(keys(served(queue.sent))).toEqual(keys(shadowRows(queue.sent)));
  });
});

describe("a failing shadow is invisible to the caller", () => {
  it("a version whose artifact is not in the repository, or that does not exist: same answer, a shadow_failed line, an error record of arm shadow", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const expected = await settled({ LOG_QUEUE: recordingQueue() }).post(TINY_V1, { instances: rows });
    for (const [version, code, status] of [
      [9, "MODEL_NOT_READY", 503],
      [42, "MODEL_NOT_FOUND", 404],
    ] as const) {
      const queue = recordingQueue();
      // Version 9 is in the record, with an identity, but none of its files are in R2.
      const registry = shadowOf("tiny_layers", { version, sample: 1 }, { 9: { sha256: "0".repeat(64) } });
      const res = await settled({ LOG_QUEUE: queue, REGISTRY: registry }).post(TINY_V1, { instances: rows });
      expect(res.status).toBe(200);
      expect(res.text).toBe(expected.text);
      expect(shadowRows(queue.sent)).toHaveLength(1);
      expect(shadowRows(queue.sent)[0]).toMatchObject({
        kind: "error",
        arm: "shadow",
        model: "tiny_layers",
        version,
        code,
        status,
      } satisfies Partial<ErrorRecord>);
      const line = lines
        .map((l) => JSON.parse(l))
        .find((l) => l.event === "shadow_failed" && l.shadow_version === version);
      expect(line).toMatchObject({ model: "tiny_layers", version: 1, code, status });
    }
    spy.mockRestore();
  });
});

const load = (model: string, version: number) =>
  BUNDLED_MODELS.find((m) => m.name === model)!.versions.find((v) => v.version === version)!.files;

/** A declared context for tiny_graph's 4 features; `lookup` names the second lookup (its own KV key). */
const context = (lookup: "region" | "extra", required = false) => ({
  fields: [
    { name: "id", dtype: "string" },
    { name: "amount", dtype: "float32", range: [0, 1000] },
  ],
  lookups: [
    { name: "user", key: "shadowtest:user:{id}", required, fields: [{ name: "spend", dtype: "float32", default: 5 }] },
    { name: lookup, key: `shadowtest:${lookup}:{id}`, fields: [{ name: "rate", dtype: "float32", default: 1 }] },
  ],
  features: [
    { from: "amount", transforms: [{ kind: "log1p" }] },
    { from: "user.spend", transforms: [{ kind: "standardize", mean: 10, std: 5 }] },
    { from: "user.spend", transforms: [{ kind: "missing" }] },
    { from: `${lookup}.rate`, transforms: [{ kind: "clip", min: 0, max: 2 }] },
  ],
});

/** Publishes tiny_graph's weights as versions of `name`, each with its own context section, and the record. */
async function publishContexts(name: string, contexts: Record<number, unknown>, shadow: unknown): Promise<void> {
  const versions: Record<string, { sha256: string }> = {};
  for (const [version, ctx] of Object.entries(contexts)) {
    const files = distinctFiles(load, "tiny_graph", 1, `${name}/${version}`);
    const manifest = JSON.parse(new TextDecoder().decode(files["manifest.json"]));
    manifest.name = name;
    manifest.version = Number(version);
    manifest.context = ctx;
    files["manifest.json"] = new TextEncoder().encode(JSON.stringify(manifest)).buffer as ArrayBuffer;
    for (const [file, bytes] of Object.entries(files)) await env.MODELS.put(`models/${name}/${version}/${file}`, bytes);
    versions[version] = { sha256: identityOf(files) };
  }
  await env.REGISTRY.put(
    `model:${name}`,
    JSON.stringify({ versions, labels: { stable: 1 }, canary_percent: 0, shadow }),
  );
}

/** The CONTEXT namespace, counting the keys of every multi-key get. */
function countingContext() {
  const reads: string[][] = [];
  const namespace = {
    get: (keys: string[], options: unknown) => {
      reads.push([...keys]);
      return (env.CONTEXT.get as (k: string[], o: unknown) => Promise<unknown>)(keys, options);
    },
  };
  return { namespace, reads };
}

describe("the shadow's context", () => {
  it("required context the shadow declares and the store lacks: the answer is 200, the shadow an error record", async () => {
    await publishContexts(
      "shadow_required",
      { 1: context("region"), 2: context("region", true) },
      { version: 2, sample: 1 },
    );
    const queue = recordingQueue();
    const res = await settled({ LOG_QUEUE: queue }).post("/v1/models/shadow_required:predict", {
      instances: [{ id: "nobody", amount: 3 }],
    });
    expect(res.status, res.text).toBe(200);
    expect(shadowRows(queue.sent)).toHaveLength(1);
    expect(shadowRows(queue.sent)[0]).toMatchObject({
      kind: "error",
      arm: "shadow",
      version: 2,
      code: "INVALID_INPUT",
    });
  });

  it("the same lookups are not read again; a lookup only the shadow declares is read, alone, once", async () => {
    await env.CONTEXT.put("shadowtest:user:u1", JSON.stringify({ spend: 20 }));
    await env.CONTEXT.put("shadowtest:region:u1", JSON.stringify({ rate: 1.5 }));
    await env.CONTEXT.put("shadowtest:extra:u1", JSON.stringify({ rate: 0.25 }));
    const body = { instances: [{ id: "u1", amount: 3 }], as_of: new Date().toISOString() };

    // Shadowed by itself: one read for both runs.
    await publishContexts("shadow_same", { 1: context("region") }, { version: 1, sample: 1 });
    let counting = countingContext();
    let queue = recordingQueue();
    let res = await settled({ LOG_QUEUE: queue, CONTEXT: counting.namespace }).post(
      "/v1/models/shadow_same:predict",
      body,
    );
    expect(res.status, res.text).toBe(200);
    expect(shadowRows(queue.sent)).toHaveLength(1);
    expect(counting.reads).toEqual([["shadowtest:user:u1", "shadowtest:region:u1"]]);
    const [answer] = served(queue.sent) as PredictionRecord[];
    const [self] = shadowRows(queue.sent) as PredictionRecord[];
    expect(self!.features).toEqual(answer!.features);
    expect(self!.lookups).toEqual(answer!.lookups);
    expect(self!.as_of).toBe(answer!.as_of);
    expect(self!.served).toMatchObject({ score: answer!.score, same_class: true });

    // Shadowed by a version declaring another lookup: only that key is read for it.
    await publishContexts("shadow_other", { 1: context("region"), 2: context("extra") }, { version: 2, sample: 1 });
    counting = countingContext();
    queue = recordingQueue();
    res = await settled({ LOG_QUEUE: queue, CONTEXT: counting.namespace }).post(
      "/v1/models/shadow_other:predict",
      body,
    );
    expect(res.status, res.text).toBe(200);
    expect(shadowRows(queue.sent)).toHaveLength(1);
    expect(counting.reads).toEqual([["shadowtest:user:u1", "shadowtest:region:u1"], ["shadowtest:extra:u1"]]);
    const [other] = shadowRows(queue.sent) as PredictionRecord[];
    // Its features from the spec's formulas: log1p(amount), (spend - 10) / 5, spend missing, clip(rate).
    expect(other!.features).toEqual(f32([Math.log1p(3), (20 - 10) / 5, 0, 0.25]));
    expect(other!.as_of).toBe((served(queue.sent)[0] as PredictionRecord).as_of);
  });
});

/** FNV-1a 32-bit over UTF-16 code units, written here from its definition. */
function fnv(text: string): number {
  let h = 2166136261;
  for (const ch of text) {
    for (let i = 0; i < ch.length; i++) {
      h = (h ^ ch.charCodeAt(i)) >>> 0;
      h = Number((BigInt(h) * 16777619n) % 4294967296n);
    }
  }
  return h;
}

describe("sampling and switching off", () => {
  it("runs on exactly the requests whose id hashes below the sample", async () => {
    const queue = recordingQueue();
    const registry = shadowOf("tiny_layers", { version: 2, sample: 0.4 });
    const ids = Array.from({ length: 30 }, (_, i) => `sample-${i}`);
    for (const id of ids) {
      const res = await settled({ LOG_QUEUE: queue, REGISTRY: registry }).post(
        TINY_V1,
        { instances: rows.slice(0, 1) },
        { "x-request-id": id },
      );
      expect(res.status).toBe(200);
    }
    const expected = ids.filter((id) => fnv(id) / 2 ** 32 < 0.4);
    expect(expected.length).toBeGreaterThan(3);
    expect(expected.length).toBeLessThan(27);
    expect(shadowRows(queue.sent)).toHaveLength(expected.length);
    expect(
      shadowRows(queue.sent)
        .map((r) => r.request_id)
        .sort(),
    ).toEqual([...expected].sort());
    expect(served(queue.sent)).toHaveLength(30);
  });

  it("shadow null (--off), or the prediction log off: no shadow runs", async () => {
    for (const overrides of [
      { REGISTRY: shadowOf("tiny_layers", null) },
      { REGISTRY: shadowOf("tiny_layers", { version: 2, sample: 1 }), PREDICTION_LOG: "off" },
    ]) {
      const queue = recordingQueue();
      const ctx = createExecutionContext();
      const predictor = new Predictor(ctx, envWith({ LOG_QUEUE: queue, ...overrides }));
      await predictor.predict("tiny_layers", rows, { version: 1 });
      await waitOnExecutionContext(ctx);
      expect(shadowRows(queue.sent)).toHaveLength(0);
      expect(queue.sent).toHaveLength(overrides.PREDICTION_LOG === "off" ? 0 : 2);
    }
  });
});

describe("the Monitor compares shadow and answer on the same rows", () => {
  it("both rows of a request count (their own ids), the pairs give report.shadow, outcomes join both arms, Triton counts answers only", async () => {
    const model = "shadow-monitor";
    const stub = env.MONITOR.get(env.MONITOR.idFromName(model));
    const time = new Date().toISOString();
    const base = {
      kind: "prediction" as const,
      time,
      protocol: "v1",
      model,
      label: null,
      row: 0,
      as_of: null,
      fields: null,
      features: [],
      lookups: [],
      latency_ms: 4,
    };
    const scores = [
      [0.2, 0.25],
      [0.7, 0.4],
      [0.9, 0.9],
      [0.1, 0.3],
    ];
    const records: QueueRecord[] = scores.flatMap(([answer, shadow], i) => [
      {
        ...base,
        request_id: `q${i}`,
        version: 1,
        arm: "default",
        key: `k${i}`,
        outputs: { p: [answer!] },
        score: answer!,
      },
      {
        ...base,
        request_id: `q${i}`,
        version: 2,
        arm: "shadow",
        key: `k${i}`,
        outputs: { p: [shadow!] },
        score: shadow!,
        served: { version: 1, arm: "default", score: answer!, same_class: answer! > 0.5 === shadow! > 0.5 },
      },
    ]);
    const folded = await stub.fold(records, { retentionDays: 14 });
    expect(folded).toMatchObject({ predictions: 8, duplicates: 0 });
    expect(await stub.fold(records, { retentionDays: 14 })).toMatchObject({ duplicates: 8 });
    const outcomes = await stub.fold(
      [0, 1, 0, 1].map((y, i) => outcome(model, `k${i}`, y)),
      { retentionDays: 14 },
    );
    expect(outcomes).toMatchObject({ outcomes: 4, joined: 8 });

    const doc = (await stub.quality(model, { at: Date.now(), windows: ["24h"] })) as unknown as QualityDocument;
    const shadowReport = doc.reports.find((r) => r.arm === "shadow")!.report;
    const answerReport = doc.reports.find((r) => r.arm === "default")!.report;
    expect([shadowReport.count, answerReport.count]).toEqual([4, 4]);
    expect([shadowReport.joined, answerReport.joined]).toEqual([4, 4]);
    expect(answerReport.shadow).toEqual([]);
    const diffs = scores.map(([a, s]) => Math.abs(s! - a!));
    expect(shadowReport.shadow).toHaveLength(1);
    expect(shadowReport.shadow[0]).toMatchObject({ served_version: 1, pairs: 4, scored: 4, agreement: 3 / 4 });
    expect(shadowReport.shadow[0]!.mean_abs_diff).toBeCloseTo(diffs.reduce((s, d) => s + d, 0) / 4, 12);
    expect(shadowReport.shadow[0]!.within["0.1"]).toBe(diffs.filter((d) => d <= 0.1).length / 4);
    // The shadow's own log loss on the same outcomes.
    const y = [0, 1, 0, 1];
    const logLoss = -scores.reduce((s, [, p], i) => s + (y[i] ? Math.log(p!) : Math.log(1 - p!)), 0) / 4;
    expect(shadowReport.binary!.log_loss).toBeCloseTo(logLoss, 9);
    const stats = await stub.stats();
    expect(stats.map((s) => [s.version, s.inference_count])).toEqual([[1, 4]]);
  });
});
