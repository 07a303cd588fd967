/**
 * Triton's own HTTP client judges the v2 surface of the built bundle: `tritonclient.http` (NVIDIA's
 * Python client, vendored unmodified under test/clients/python/tritonclient with its licence; it is
 * not on Debian and this machine has no PyPI) with Debian's gevent, geventhttpclient, rapidjson and
 * numpy. It checks health and metadata, infers with the binary tensor extension (the client's
 * default), and reads `get_inference_statistics()` for one version, one model and every model,
 * which must count exactly the rows and requests the test sent.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDebianPython } from "../support/python.ts";
import { serverOptions } from "./worker.ts";

const ROWS = 5;
let mf: Miniflare;
let host: string;
let python: string;

beforeAll(async () => {
  python = ensureDebianPython({
    numpy: "python3-numpy",
    gevent: "python3-gevent",
    geventhttpclient: "python3-geventhttpclient",
    rapidjson: "python3-rapidjson",
  });
  mf = new Miniflare({ ...serverOptions(), host: "127.0.0.1", port: 0 } as ConstructorParameters<typeof Miniflare>[0]);
  host = (await mf.ready).host;
});
afterAll(async () => {
  await mf?.dispose();
});

const row = (i: number) => ({ features: [i, i / 2, -i, 1], extra: [i / 4, 2] });
const f32 = (values: number[]) => Array.from(Float32Array.from(values));

interface Stat {
  name: string;
  version: string;
  inference_count: number;
  execution_count: number;
  last_inference: number;
  inference_stats: Record<string, { count: number; ns: number }>;
  batch_stats: unknown[];
}
interface ClientResult {
  live: boolean;
  ready: boolean;
  server: { name: string; extensions: string[] };
  model_ready: boolean;
  metadata: { name: string; outputs: Array<{ name: string; datatype: string }> };
  infer: { id: string; outputs: Record<string, number[][]> };
  stats_version: { model_stats: Stat[] };
  stats_model: { model_stats: Stat[] };
  stats_all: { model_stats: Stat[] };
}

describe("tritonclient.http against the built Worker", () => {
  it("reads health, metadata, a binary-tensor infer and the statistics of exactly what was served", async () => {
    // The test's own request (JSON tensors), the reference for the client's binary one.
    const json = await fetch(`http://${host}/v2/models/tiny_layers/versions/1/infer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        inputs: [
          {
            name: "features",
            shape: [ROWS, 4],
            datatype: "FP32",
            data: Array.from({ length: ROWS }, (_, i) => row(i).features),
          },
          {
            name: "extra",
            shape: [ROWS, 2],
            datatype: "FP32",
            data: Array.from({ length: ROWS }, (_, i) => row(i).extra),
          },
        ],
      }),
    });
    expect(json.status).toBe(200);
    const reference = (await json.json()) as { outputs: Array<{ name: string; shape: number[]; data: number[] }> };

    const started = Date.now();
    const { stdout } = await promisify(execFile)(
      python,
      ["test/clients/python/triton_client_check.py", host, "tiny_layers", "1", String(ROWS), String(2 * ROWS), "60"],
      { cwd: process.cwd(), env: { ...process.env, PYTHONPATH: "test/clients/python" }, timeout: 90_000 },
    );
    const got = JSON.parse(stdout) as ClientResult;

    expect(got.live).toBe(true);
    expect(got.ready).toBe(true);
    expect(got.server.extensions).toContain("statistics");
    expect(got.server.extensions).toContain("binary_tensor_data");
    expect(got.model_ready).toBe(true);
    expect(got.metadata.name).toBe("tiny_layers");

    // The binary-tensor answer equals the JSON one, output by output, as float32.
    expect(got.infer.id).toBe("triton-client-1");
    expect(Object.keys(got.infer.outputs).sort()).toEqual(reference.outputs.map((o) => o.name).sort());
    for (const o of reference.outputs) expect(f32(got.infer.outputs[o.name]!.flat())).toEqual(f32(o.data));

    // Statistics: the version's row counts both requests, 2 x ROWS rows, both successful.
    const [v1, ...others] = got.stats_version.model_stats;
    expect(others).toEqual([]);
    expect(v1).toMatchObject({ name: "tiny_layers", version: "1", inference_count: 2 * ROWS, execution_count: 2 });
    expect(v1!.inference_stats.success!.count).toBe(2);
    expect(v1!.inference_stats.success!.ns).toBeGreaterThan(0);
    expect(v1!.inference_stats.fail).toEqual({ count: 0, ns: 0 });
    expect(v1!.last_inference).toBeGreaterThanOrEqual(started - 60_000);
    expect(v1!.last_inference).toBeLessThanOrEqual(Date.now());
    // The model's rows (every available version) and every model's include that same row.
    expect(got.stats_model.model_stats.map((s) => s.version)).toContain("1");
    expect(got.stats_model.model_stats.find((s) => s.version === "1")).toEqual(v1);
    expect(got.stats_all.model_stats.find((s) => s.name === "tiny_layers" && s.version === "1")).toEqual(v1);
    // Nothing else was asked of this fresh Worker, so every other row counts nothing.
    const rest = got.stats_all.model_stats.filter((s) => !(s.name === "tiny_layers" && s.version === "1"));
    expect(rest.length).toBeGreaterThan(0);
    for (const s of rest) expect(s.inference_count).toBe(0);
  });
});
