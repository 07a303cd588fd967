/**
 * A model directory the official TF.js converter produced (MobileNetV2 from the nsfwjs package:
 * Keras layers-model, uint8-quantized, input [-1,224,224,3] FP32), published with one CLI command
 * into local state, is served by the built bundle over v1 and v2 with no restart: a v2 `infer`
 * body of about 2 MB answers within 1e-4 of @tensorflow/tfjs run in Node on the same files.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prng } from "../../model/lib/prng.ts";
import { client } from "../support/client.ts";
import { fetcher, startWorker } from "./worker.ts";

const scratch = mkdtempSync(join(tmpdir(), "stateless-serve-converter-"));
const modelDir = join(scratch, "mobilenet_v2");
const state = join(scratch, "state");
const SIDE = 224;
let mf: Miniflare;

const tsx = (...args: string[]) =>
  execFileSync(process.execPath, ["--import", "tsx", ...args], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });

/** A seeded 224x224x3 image in [0, 1], full float32 precision (what a client would send). */
function image(seed: number): number[] {
  const next = prng(seed);
  return Array.from(Float32Array.from({ length: SIDE * SIDE * 3 }, () => next()));
}

/** The reference: @tensorflow/tfjs in Node, loading the same directory. */
async function reference(pixels: number[]): Promise<number[]> {
  await tf.setBackend("cpu");
  const modelJson = JSON.parse(readFileSync(join(modelDir, "model.json"), "utf8"));
  const weights = readFileSync(join(modelDir, modelJson.weightsManifest[0].paths[0]));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  const input = tf.tensor4d(pixels, [1, SIDE, SIDE, 3]);
  const output = model.predict(input) as tf.Tensor;
  const values = Array.from(await output.data());
  tf.dispose([input, output]);
  model.dispose();
  return values;
}

beforeAll(async () => {
  tsx("model/converter/extract.ts", "--out", modelDir);
  const out = tsx(
    "scripts/models.ts",
    "publish",
    modelDir,
    "--name",
    "mobilenet_v2",
    "--version",
    "1",
    "--label",
    "stable",
    "--persist-to",
    state,
  );
  expect(out).toMatch(/mobilenet_v2/);
  // wrangler keeps --persist-to state in <dir>/v3, as wrangler dev does.
  mf = await startWorker({ persistTo: join(state, "v3") });
}, 240_000);
afterAll(async () => {
  await mf?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe("a converter-produced image model published with the CLI", () => {
  it("answers a ~2 MB v2 infer within 1e-4 of TF.js in Node", async () => {
    const pixels = image(224);
    const body = JSON.stringify({
      id: "img-1",
      inputs: [{ name: "input_1", shape: [1, SIDE, SIDE, 3], datatype: "FP32", data: pixels }],
    });
    expect(body.length).toBeGreaterThan(1.5e6);
    const res = await client(fetcher(mf)).post("/v2/models/mobilenet_v2/infer", body);
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    expect([res.json.model_name, res.json.model_version, res.json.id]).toEqual(["mobilenet_v2", "1", "img-1"]);
    expect(res.headers.get("x-model-version")).toBe("1");
    const [out] = res.json.outputs;
    expect([out.name, out.datatype, out.shape]).toEqual(["dense_3", "FP32", [1, 5]]);
    const expected = await reference(pixels);
    out.data.forEach((p: number, i: number) =>
      expect(Math.abs(p - expected[i]!), `class ${i}`).toBeLessThanOrEqual(1e-4),
    );
    // Softmax over five classes: the reference is a distribution, so the check above is not vacuous.
    expect(expected.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  it("answers v1 predict and metadata for the same version", async () => {
    const api = client(fetcher(mf));
    const meta = await api.get("/v2/models/mobilenet_v2");
    expect(meta.json.inputs).toEqual([{ name: "input_1", datatype: "FP32", shape: [-1, SIDE, SIDE, 3] }]);
    const pixels = image(7);
    const rows: number[][][] = [];
    for (let y = 0; y < SIDE; y++) {
      const line: number[][] = [];
      for (let x = 0; x < SIDE; x++) line.push(pixels.slice((y * SIDE + x) * 3, (y * SIDE + x) * 3 + 3));
      rows.push(line);
    }
    const res = await api.post("/v1/models/mobilenet_v2:predict", { instances: [rows] });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const expected = await reference(pixels);
    (res.json.predictions[0] as number[]).forEach((p, i) =>
      expect(Math.abs(p - expected[i]!)).toBeLessThanOrEqual(1e-4),
    );
  });
});
