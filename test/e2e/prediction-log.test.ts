/**
 * The prediction log end to end on the built bundle under Miniflare with the production config:
 * requests answered over v1 and v2 travel through the real LOG_QUEUE to the Worker's own queue()
 * consumer, which writes Parquet to the LOGS bucket; DuckDB (@duckdb/node-api, a reader that is
 * not ours) reads the files unmodified with Hive partitioning, and its values equal the requests
 * and answers (features bit for bit as float32). A poison message goes through its retries to the
 * dead-letter queue, whose consumer keeps it in R2. Apache Arrow's Rust Parquet reader (arrow-rs,
 * as the parquet-wasm package, into apache-arrow's JS tables) reads the same files: pyarrow itself
 * is neither on Debian nor reachable here (no PyPI), so the Arrow project's other implementation
 * stands in for it (docs/monitoring.md).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { tableFromIPC } from "apache-arrow";
import type { Miniflare } from "miniflare";
import { readParquet } from "parquet-wasm/node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { client } from "../support/client.ts";
import { fetcher, startWorker } from "./worker.ts";

let mf: Miniflare;
let api: ReturnType<typeof client>;
const dir = mkdtempSync(join(tmpdir(), "prediction-log-"));

beforeAll(async () => {
  mf = await startWorker();
  api = client(fetcher(mf));
});
afterAll(async () => {
  await mf?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Copies every object under `prefix` from Miniflare's LOGS bucket to `dir`, keeping its key as the path. */
async function download(prefix: string): Promise<number> {
  const bucket = await mf.getR2Bucket("LOGS");
  const { objects } = await bucket.list({ prefix });
  for (const o of objects) {
    const body = await bucket.get(o.key);
    const path = join(dir, o.key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, new Uint8Array(await body!.arrayBuffer()));
  }
  return objects.length;
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}

const f32bits = (values: readonly number[]) => Array.from(new Uint32Array(Float32Array.from(values).buffer));
const rows = [
  { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2], key: "e2e-0" },
  { features: [1e-7, -2.5, Math.PI, 1e6], extra: [-0.001, 7], key: "e2e-1" },
  { features: [0, 0, 0, 0], extra: [0, 0], key: "e2e-2" },
];

describe("the prediction log in R2, read by DuckDB", () => {
  it("holds every answered row, with the request's fields, features and the answer's outputs", async () => {
    const v1Id = crypto.randomUUID();
    const v2Id = crypto.randomUUID();
    const v1 = await api.post(
      "/v1/models/tiny_layers/versions/1:predict",
      { instances: rows },
      { "x-request-id": v1Id },
    );
    const v2 = await api.post(
      "/v2/models/tiny_layers/versions/1/infer",
      {
        id: "e2e-req",
        inputs: [
          { name: "features", shape: [1, 4], datatype: "FP32", data: rows[0]!.features },
          { name: "extra", shape: [1, 2], datatype: "FP32", data: rows[0]!.extra },
        ],
      },
      { "x-request-id": v2Id },
    );
    expect([v1.status, v2.status]).toEqual([200, 200]);

    const glob = `${dir}/logs/predictions/**/*.parquet`;
    const select = `FROM read_parquet('${glob}', hive_partitioning = true) WHERE request_id IN ('${v1Id}', '${v2Id}')`;
    await vi.waitFor(
      async () => {
        expect(await download("logs/predictions/model=tiny_layers/")).toBeGreaterThan(0);
        expect((await query(`SELECT count(*)::INTEGER AS n ${select}`))[0]!.n).toBe(4);
      },
      { timeout: 30_000, interval: 500 },
    );

    const found = await query(
      `SELECT model, version, date::VARCHAR AS date, protocol, request_id, "row", "key", arm, features, outputs, score, fields, lookups ${select} ORDER BY protocol, "row"`,
    );
    const today = new Date().toISOString().slice(0, 10);
    const logged = found.filter((r) => r.protocol === "v1");
    expect(logged.map((r) => r.key)).toEqual(["e2e-0", "e2e-1", "e2e-2"]);
    logged.forEach((r, i) => {
      // DuckDB types the Hive partition `version` as BIGINT.
      expect(r).toMatchObject({ model: "tiny_layers", version: 1n, protocol: "v1", row: i, arm: "explicit" });
      expect([today, new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)]).toContain(r.date);
      // The model's inputs (features, then extra) as the float32 values it received, bit for bit.
      expect(f32bits(r.features as number[])).toEqual(f32bits([...rows[i]!.features, ...rows[i]!.extra]));
      const answered = v1.json.predictions[i];
      const outputs = JSON.parse(r.outputs as string);
      expect(f32bits(outputs.score)).toEqual(f32bits(answered.score));
      expect(f32bits(outputs.probs)).toEqual(f32bits(answered.probs));
      expect(r.score).toBe(Math.fround(answered.score[0]));
      expect(JSON.parse(r.fields as string).key).toBe(rows[i]!.key);
      expect(r.lookups).toEqual([]);
    });
    const v2Row = found.find((r) => r.protocol === "v2")!;
    expect(v2Row.key).toBe("e2e-req#0");
    expect(f32bits(v2Row.features as number[])).toEqual(f32bits([...rows[0]!.features, ...rows[0]!.extra]));

    // The same files through Arrow's Rust reader: the same four rows, keys and features.
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".parquet"));
    const arrowRows = files.flatMap((f) => {
      const table = tableFromIPC(readParquet(new Uint8Array(readFileSync(join(dir, f)))).intoIPCStream());
      return table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
    });
    const ours = arrowRows
      .filter((r) => r.request_id === v1Id || r.request_id === v2Id)
      .sort((a, b) => String(a.protocol).localeCompare(String(b.protocol)) || Number(a.row) - Number(b.row));
    expect(ours.map((r) => r.key)).toEqual(["e2e-0", "e2e-1", "e2e-2", "e2e-req#0"]);
    ours.forEach((r, i) => {
      const duck = found[i]!;
      expect(r.protocol).toBe(duck.protocol);
      expect(r.score).toBe(duck.score);
      // LIST<FLOAT> arrives as an Arrow Float32 vector: the very bits DuckDB read.
      const features = r.features as { toArray(): Float32Array };
      expect(Array.from(new Uint32Array(Float32Array.from(features.toArray()).buffer))).toEqual(
        f32bits(duck.features as number[]),
      );
    });
  });

  it("sends a message that cannot be written through its retries to the dead-letter queue, kept in R2", async () => {
    const marker = crypto.randomUUID();
    const producer = await mf.getQueueProducer("LOG_QUEUE");
    await producer.send({ kind: "mystery", marker });
    await vi.waitFor(
      async () => {
        const bucket = await mf.getR2Bucket("LOGS");
        const { objects } = await bucket.list({ prefix: "logs/dead-letter/" });
        const bodies = await Promise.all(objects.map(async (o) => (await bucket.get(o.key))!.text()));
        const letter = bodies
          .flatMap((b) => JSON.parse(b) as Array<{ body: { marker?: string }; attempts: number }>)
          .find((l) => l.body?.marker === marker);
        expect(letter).toBeDefined();
      },
      { timeout: 45_000, interval: 500 },
    );
  });
});
