/**
 * Shadow versions end to end on the built bundle under Miniflare with the production config: a
 * pointer record naming a shadow changes no byte of a v1 or v2 answer; the shadow's rows travel
 * through the real LOG_QUEUE and the Worker's own consumer to the LOGS bucket (read by DuckDB, a
 * reader that is not ours) with the answer's request ids, rows and keys and arm `shadow`; the
 * quality route's comparison equals one computed here from those Parquet rows; and a shadow whose
 * artifact is missing answers nothing but an error of arm shadow in the figures.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { QualityDocument } from "../../src/core/monitoring/report.ts";
import { client } from "../support/client.ts";
import { fetcher, startWorker } from "./worker.ts";

let mf: Miniflare;
let api: ReturnType<typeof client>;
const dir = mkdtempSync(join(tmpdir(), "shadow-e2e-"));

beforeAll(async () => {
  // KV_CACHE_TTL 30: no pointer-record memo, so a record written here is served on the next request.
  mf = await startWorker({ vars: { KV_CACHE_TTL: "30" } });
  api = client(fetcher(mf));
});
afterAll(async () => {
  await mf?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function setRecord(model: string, record: unknown): Promise<void> {
  const kv = await mf.getKVNamespace("REGISTRY");
  if (record === null) await kv.delete(`model:${model}`);
  else await kv.put(`model:${model}`, JSON.stringify(record));
}

const rows = [
  { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2], key: "e2e-s0" },
  { features: [-1, 0.5, 2, 0.25], extra: [0, -3], key: "e2e-s1" },
  { features: [3, -2, 0.5, 1], extra: [4, 4], key: "e2e-s2" },
];
const v2Body = {
  id: "e2e-shadow",
  inputs: [
    { name: "features", shape: [1, 4], datatype: "FP32", data: rows[0]!.features },
    { name: "extra", shape: [1, 2], datatype: "FP32", data: rows[0]!.extra },
  ],
};

describe("a shadow version on the built bundle", () => {
  it("changes no answer byte; its rows reach R2 as arm shadow with the answer's ids and keys; the route compares them", async () => {
    // tiny_layers (bundled, versions 1 and 2): a record with no versions of its own, only the shadow.
    const ids = { v1: crypto.randomUUID(), v2: crypto.randomUUID() };
    const ask = () =>
      Promise.all([
        api.post("/v1/models/tiny_layers/versions/1:predict", { instances: rows }, { "x-request-id": ids.v1 }),
        api.post("/v2/models/tiny_layers/versions/1/infer", v2Body, { "x-request-id": ids.v2 }),
      ]);
    await setRecord("tiny_layers", null);
    const off = await ask();
    await setRecord("tiny_layers", { versions: {}, labels: {}, shadow: { version: 2, sample: 1 } });
    const on = await ask();
    for (const [i, answer] of on.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(off[i]!.text);
      expect(answer.headers.get("x-model-version")).toBe("1");
    }
    await setRecord("tiny_layers", null);

    // The log files of tiny_layers: both answers' rows (twice: off and on) and the shadow's (once).
    const select = (glob: string) =>
      `SELECT version::INTEGER AS version, arm, request_id, "row", "key", score FROM ${glob} WHERE request_id IN ('${ids.v1}', '${ids.v2}') ORDER BY arm, request_id, "row"`;
    let found: Record<string, unknown>[] = [];
    await vi.waitFor(
      async () => {
        found = await parquetRowsOf("tiny_layers", select);
        expect(found.filter((r) => r.arm === "shadow")).toHaveLength(4);
        expect(found.filter((r) => r.arm !== "shadow")).toHaveLength(8);
      },
      { timeout: 60_000, interval: 1000 },
    );
    const shadow = found.filter((r) => r.arm === "shadow");
    const answered = found.filter((r) => r.arm === "explicit");
    for (const s of shadow) {
      expect(s.version).toBe(2);
      const twin = answered.filter((a) => a.request_id === s.request_id && a.row === s.row);
      expect(twin).toHaveLength(2);
      expect(twin.map((a) => a.key)).toEqual([s.key, s.key]);
    }
    expect(shadow.map((s) => s.key).sort()).toEqual(["e2e-s0", "e2e-s1", "e2e-s2", "e2e-shadow#0"]);

    // The comparison the route answers, computed here from the Parquet rows.
    const pairs = shadow.map((s) => ({
      shadow: s.score as number,
      served: answered.find((a) => a.request_id === s.request_id && a.row === s.row)!.score as number,
    }));
    const diffs = pairs.map((p) => Math.abs(p.shadow - p.served));
    await vi.waitFor(
      async () => {
        const doc = (await api.get("/v2/models/tiny_layers/quality")).json as QualityDocument;
        const report = doc.reports.find((r) => r.arm === "shadow" && r.version === 2 && r.window === "1h")?.report;
        expect(report?.shadow[0]?.pairs).toBe(4);
        expect(report!.shadow[0]).toMatchObject({
          served_version: 1,
          scored: 4,
          agreement: pairs.filter((p) => p.shadow > 0.5 === p.served > 0.5).length / 4,
        });
        expect(report!.shadow[0]!.mean_abs_diff).toBeCloseTo(diffs.reduce((a, b) => a + b, 0) / 4, 12);
        expect(report!.shadow[0]!.within["0.01"]).toBe(diffs.filter((d) => d <= 0.01).length / 4);
      },
      { timeout: 60_000, interval: 1000 },
    );
  });

  it("a shadow whose files are missing: the answer is the same, and the figures count an error of arm shadow", async () => {
    const body = { instances: [[0.1, 0.2, 0.3, 0.4]] }; // tiny_graph: x[4] -> score
    await setRecord("tiny_graph", null);
    const off = await api.post("/v1/models/tiny_graph/versions/1:predict", body);
    await setRecord("tiny_graph", {
      versions: { 9: { sha256: "0".repeat(64) } },
      labels: {},
      shadow: { version: 9, sample: 1 },
    });
    const on = await api.post("/v1/models/tiny_graph/versions/1:predict", body);
    await setRecord("tiny_graph", null);
    expect(on.status).toBe(200);
    expect(on.text).toBe(off.text);
    await vi.waitFor(
      async () => {
        const doc = (await api.get("/v2/models/tiny_graph/quality")).json as QualityDocument;
        const report = doc.reports.find((r) => r.arm === "shadow" && r.version === 9 && r.window === "1h")?.report;
        expect(report?.errors_by_code).toEqual({ MODEL_NOT_READY: 1 });
      },
      { timeout: 60_000, interval: 1000 },
    );
  });
});

/** Copies a model's prediction files from the LOGS bucket and runs `sql` over them with DuckDB. */
async function parquetRowsOf(model: string, sql: (glob: string) => string): Promise<Record<string, unknown>[]> {
  const bucket = await mf.getR2Bucket("LOGS");
  const { objects } = await bucket.list({ prefix: `logs/predictions/model=${model}/` });
  for (const o of objects) {
    const body = await bucket.get(o.key);
    const path = join(dir, o.key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, new Uint8Array(await body!.arrayBuffer()));
  }
  if (objects.length === 0) return [];
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    const glob = `read_parquet('${dir}/logs/predictions/model=${model}/**/*.parquet', hive_partitioning = true)`;
    return (await connection.runAndReadAll(sql(glob))).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}
