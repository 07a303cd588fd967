/**
 * docs/byo-model-with-context.md, step by step: train the Seattle rain model with the project's
 * script, publish it with `npm run models -- publish`, validate and load its context with
 * `npm run context`, and ask the built bundle (Miniflare, production config, started before the
 * model was published: no restart) over v1 and v2.
 * The answers are checked against this file's own computation of the declared features (from
 * the CSV and the manifest's parameters, not the serving code) run through TF.js in Node.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client } from "../support/client.ts";
import { fetcher, startWorker } from "./worker.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const scratch = mkdtempSync(join(tmpdir(), "byo-context-"));
const OUT = join(scratch, "weather");
const STATE = join(scratch, "state");
let mf: Miniflare;
let api: ReturnType<typeof client>;
let model: tf.LayersModel;

function npmRun(script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script, ...args],
      { cwd: ROOT, timeout: 240_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

// ---- the independent computation: the CSV, the manifest's declared parameters, plain formulas ----
interface Day {
  precipitation: number;
  temp_max: number;
  temp_min: number;
  wind: number;
  weather: string;
}
const csv = readFileSync(join(ROOT, "node_modules/vega-datasets/data/seattle-weather.csv"), "utf8").trim().split("\n");
const DAYS = new Map<string, Day>(
  csv.slice(1).map((line) => {
    const [date, p, tmax, tmin, wind, weather] = line.split(",");
    return [date!, { precipitation: +p!, temp_max: +tmax!, temp_min: +tmin!, wind: +wind!, weather: weather! }];
  }),
);
const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

type Transform = { kind: string; mean?: number; std?: number; min?: number; max?: number; vocabulary?: unknown[] };
interface Declared {
  lookups: Array<{ fields: Array<{ name: string; default: number | string }> }>;
  features: Array<{ from: string; transforms: Transform[] }>;
}

/** The declared feature vector for a day, from yesterday's row of the CSV (or the defaults). */
function expectedFeatures(declared: Declared, date: string, useContext: boolean): number[] {
  const defaults = Object.fromEntries(declared.lookups[0]!.fields.map((f) => [f.name, f.default]));
  const yesterday = DAYS.get(dayBefore(date));
  const source: Record<string, number | string> = {
    month: Number(date.slice(5, 7)),
    ...Object.fromEntries(
      Object.entries(defaults).map(([k, v]) => [
        `yesterday.${k}`,
        useContext && yesterday ? yesterday[k as keyof Day] : v,
      ]),
    ),
  };
  return declared.features.flatMap((f) => {
    let v: number | string = source[f.from]!;
    for (const t of f.transforms) {
      if (t.kind === "one_hot") return t.vocabulary!.map((w) => (w === v ? 1 : 0));
      if (t.kind === "missing") v = useContext && yesterday ? 0 : 1;
      if (t.kind === "log1p") v = Math.log(1 + Number(v));
      if (t.kind === "standardize") v = (Number(v) - t.mean!) / t.std!;
      if (t.kind === "clip") v = Math.min(t.max ?? Infinity, Math.max(t.min ?? -Infinity, Number(v)));
    }
    return [Number(v)];
  });
}

function localModel(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  const bytes = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    }),
  });
}
const score = (x: number[]) => tf.tidy(() => (model.predict(tf.tensor2d([x])) as tf.Tensor).dataSync()[0]!);

beforeAll(async () => {
  // The Worker runs first, on the local state the CLIs write (as `npm start` does): no restart after.
  mf = await startWorker({ persistTo: join(STATE, "v3") });
  api = client(fetcher(mf));
  expect((await api.get("/v2/models/seattle_weather")).status).toBe(404);
  // Step 1: train (writes OUT/1 with manifest.json and its context section, OUT/context.jsonl).
  const trained = await npmRun("model/seattle_weather/train.ts", "--out", OUT);
  expect(trained.code, trained.stderr).toBe(0);
  // Step 2: publish into local state.
  const published = await npmRun(
    "scripts/models.ts",
    "publish",
    join(OUT, "1"),
    "--name",
    "seattle_weather",
    "--version",
    "1",
    "--persist-to",
    STATE,
  );
  expect(published.code, published.stderr).toBe(0);
  // Step 3: validate the context file against the manifest, then load it.
  const validated = await npmRun("scripts/context-cli.ts", "validate", join(OUT, "1"), join(OUT, "context.jsonl"));
  expect(validated.code, validated.stderr).toBe(0);
  const put = await npmRun("scripts/context-cli.ts", "put", join(OUT, "context.jsonl"), "--persist-to", STATE);
  expect(put.code, put.stderr).toBe(0);
  await tf.setBackend("cpu");
  model = await localModel(join(OUT, "1"));
}, 600_000);
afterAll(async () => {
  await mf?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe("the BYO model with context walk-through (seattle_weather)", () => {
  const declared = () => JSON.parse(readFileSync(join(OUT, "1/manifest.json"), "utf8")).context as Declared;

  it("answers v1 with yesterday's weather from KV, as the declared features computed here say", async () => {
    const dates = ["2015-01-15", "2015-06-01", "2015-11-17"];
    const res = await api.post("/v1/models/seattle_weather:predict", {
      context: true,
      instances: dates.map((date) => ({ date, month: Number(date.slice(5, 7)) })),
      as_of: "2015-12-31T23:00:00-08:00",
    });
    expect(res.status, res.text).toBe(200);
    // One as_of for the batch, late in 2015: yesterday's values are older than max_age_s, so stale -> defaults.
    for (const [i, date] of dates.entries()) {
      expect(res.json.predictions[i].context.lookups.yesterday.status).toBe("stale");
      expect(res.json.predictions[i].rain_probability[0]).toBeCloseTo(
        score(expectedFeatures(declared(), date, false)),
        5,
      );
    }
    // Asked on the morning of each day, the value is present and used.
    for (const date of dates) {
      const one = await api.post("/v1/models/seattle_weather:predict", {
        context: true,
        as_of: `${date}T06:00:00-08:00`,
        instances: [{ date, month: Number(date.slice(5, 7)) }],
      });
      const [p] = one.json.predictions;
      expect(p.context.lookups.yesterday.status).toBe("present");
      expect(p.context.lookups.yesterday.values.precipitation).toBe(DAYS.get(dayBefore(date))!.precipitation);
      expect(p.context.features).toHaveLength(expectedFeatures(declared(), date, true).length);
      p.context.features.forEach((v: number, k: number) =>
        expect(v).toBeCloseTo(expectedFeatures(declared(), date, true)[k]!, 5),
      );
      expect(p.rain_probability[0]).toBeCloseTo(score(expectedFeatures(declared(), date, true)), 5);
    }
  });

  it("answers v2 the same, marks a day known only later as future and a day outside the data as missing", async () => {
    const res = await api.post("/v2/models/seattle_weather/infer", {
      parameters: { as_of: "2015-06-01T06:00:00-08:00", context: true },
      inputs: [
        { name: "date", shape: [3], datatype: "BYTES", data: ["2015-06-01", "2015-06-02", "2011-06-01"] },
        { name: "month", shape: [3], datatype: "INT32", data: [6, 6, 6] },
      ],
    });
    expect(res.status, res.text).toBe(200);
    const [probability, ctx] = res.json.outputs;
    const statuses = ctx.data.map((c: string) => JSON.parse(c).lookups.yesterday.status);
    expect(statuses).toEqual(["present", "future", "missing"]);
    expect(probability.data[0]).toBeCloseTo(score(expectedFeatures(declared(), "2015-06-01", true)), 5);
    expect(probability.data[1]).toBeCloseTo(score(expectedFeatures(declared(), "2015-06-02", false)), 5);
    expect(probability.data[2]).toBeCloseTo(score(expectedFeatures(declared(), "2011-06-01", false)), 5);
  });

  it("reports its quality with and without context on the held-out year", () => {
    const metrics = JSON.parse(readFileSync(join(OUT, "metrics.json"), "utf8"));
    expect(metrics.test.from).toBe("2015-01-01");
    expect(metrics.with_context.auc).toBeGreaterThan(metrics.without_context.auc);
  });
});
