/**
 * A second model with declarative context, end to end (docs/byo-model-with-context.md): "will it
 * rain in Seattle on this day?" from vega-datasets' seattle-weather.csv (2012–2015 daily
 * observations, shipped in the npm package). The client sends the day and its month; yesterday's
 * observations come from KV (`seattle:yesterday:<day>`, known from the end of yesterday on).
 *
 * Writes, under --out DIR (default dist/seattle_weather):
 *   1/model.json, 1/group1-shard1of1.bin, 1/manifest.json   (layers-model + the context section)
 *   context.jsonl                                           (one KV value per day, with updated_at)
 *   metrics.json                                            (held-out 2015, with and without context)
 * The features are computed by the serving pipeline itself (src/core/context/pipeline.ts) over a
 * Map store, so training and serving cannot drift. Deterministic: seeded init, shuffles and dropout.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { exitOnHelp } from "../../scripts/help.ts";
import { contextPipeline } from "../../src/core/context/pipeline.ts";
import { type ContextSpec, ContextSpecSchema, featureNames } from "../../src/core/context/spec.ts";
import { baselineOf } from "../../src/core/monitoring/baseline.ts";
import type { Signature } from "../../src/core/tensors/spec.ts";
import { auc, logLoss } from "../flights/metrics.ts";
import { saveModel } from "../flights/model.ts";
import { writeManifest } from "../lib/artifacts.ts";
import { fitBinaryMlp } from "../lib/mlp.ts";
import { prng } from "../lib/prng.ts";

exitOnHelp({
  script: "model:weather",
  args: "[-- --out DIR]",
  summary: `Trains the Seattle rain model (vega-datasets seattle-weather.csv) with a declared context:
yesterday's weather read from KV. Writes DIR/1 (model.json, shard, manifest.json with the context
section), DIR/context.jsonl (the KV values) and DIR/metrics.json (2015 held out, with and without
context). Takes a few seconds on the CPU backend.`,
  options: [["--out DIR", "where to write (default dist/seattle_weather)"]],
  examples: ["npm run model:weather", "npm run model:weather -- --out /tmp/weather"],
  notes:
    "Then: npm run models -- publish DIR/1 --name seattle_weather --version 1; npm run context -- put DIR/context.jsonl",
});

const { values } = parseArgs({ options: { out: { type: "string" } }, strict: true });
const OUT = values.out ?? "dist/seattle_weather";
const SEED = 13;

interface Day {
  date: string;
  precipitation: number;
  temp_max: number;
  temp_min: number;
  wind: number;
  weather: string;
}

export const DATA_CSV = "node_modules/vega-datasets/data/seattle-weather.csv";
const csv = readFileSync(DATA_CSV, "utf8");
const [header, ...lines] = csv.trim().split("\n");
const cols = header!.split(",");
const days: Day[] = lines.map((line) => {
  const cells = line.split(",");
  const at = (name: string) => cells[cols.indexOf(name)]!;
  return {
    date: at("date"),
    precipitation: Number(at("precipitation")),
    temp_max: Number(at("temp_max")),
    temp_min: Number(at("temp_min")),
    wind: Number(at("wind")),
    weather: at("weather"),
  };
});

/** The KV value for day D holds D-1's observations, known from the end of D-1 (midnight, Pacific standard time). */
export const KEY_PREFIX = "seattle:yesterday:";
const context = days.slice(1).map((d, i) => {
  const y = days[i]!;
  return {
    key: `${KEY_PREFIX}${d.date}`,
    value: {
      precipitation: y.precipitation,
      temp_max: y.temp_max,
      temp_min: y.temp_min,
      wind: y.wind,
      weather: y.weather,
      updated_at: `${d.date}T00:00:00-08:00`,
    },
  };
});

// Rows: every day with a yesterday; 2012–2014 train (last 10% of it for validation), 2015 held out.
const rows = days.slice(1);
const isTest = (d: Day) => d.date >= "2015-01-01";
const trainDays = rows.filter((d) => !isTest(d));
const testDays = rows.filter(isTest);
const label = (d: Day) => (d.precipitation > 0 ? 1 : 0);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2))) || 1;
const yesterdays = trainDays.map((d) => context.find((c) => c.key === `${KEY_PREFIX}${d.date}`)!.value);
const stat = (f: (v: (typeof yesterdays)[number]) => number) => {
  const xs = yesterdays.map(f);
  return { mean: round(mean(xs)), std: round(std(xs)) };
};
const round = (x: number) => Math.round(x * 1e4) / 1e4;
const WEATHER = ["drizzle", "fog", "rain", "snow", "sun"];
const MONTHS = Array.from({ length: 12 }, (_, i) => i + 1);

const spec: ContextSpec = ContextSpecSchema.parse({
  fields: [
    { name: "date", dtype: "string", description: "the day to forecast, YYYY-MM-DD (Seattle)" },
    { name: "month", dtype: "int32", range: [1, 12], description: "that day's month, 1-12" },
  ],
  lookups: [
    {
      name: "yesterday",
      key: `${KEY_PREFIX}{date}`,
      description: "the day before's observations, known from its end",
      max_age_s: 2 * 86_400,
      stale: "default",
      fields: [
        { name: "precipitation", dtype: "float32", default: round(mean(yesterdays.map((v) => v.precipitation))) },
        { name: "temp_max", dtype: "float32", default: stat((v) => v.temp_max).mean },
        { name: "temp_min", dtype: "float32", default: stat((v) => v.temp_min).mean },
        { name: "wind", dtype: "float32", default: stat((v) => v.wind).mean },
        { name: "weather", dtype: "string", default: "sun" },
      ],
    },
  ],
  features: [
    { from: "month", transforms: [{ kind: "one_hot", vocabulary: MONTHS }] },
    {
      from: "yesterday.precipitation",
      transforms: [{ kind: "log1p" }, { kind: "standardize", ...stat((v) => Math.log1p(v.precipitation)) }],
    },
    { from: "yesterday.temp_max", transforms: [{ kind: "standardize", ...stat((v) => v.temp_max) }] },
    { from: "yesterday.temp_min", transforms: [{ kind: "standardize", ...stat((v) => v.temp_min) }] },
    {
      from: "yesterday.wind",
      transforms: [
        { kind: "clip", min: 0, max: 10 },
        { kind: "standardize", ...stat((v) => Math.min(10, v.wind)) },
      ],
    },
    { from: "yesterday.weather", transforms: [{ kind: "one_hot", vocabulary: WEATHER }] },
    { from: "yesterday.precipitation", transforms: [{ kind: "missing" }] },
  ],
});
const WIDTH = 12 + 4 + WEATHER.length + 1;
const MODEL_SIGNATURE: Signature = {
  inputs: [{ name: "features", tensor: "features", dtype: "float32", shape: [-1, WIDTH] }],
  outputs: [{ name: "rain_probability", tensor: "rain_probability", dtype: "float32", shape: [-1, 1] }],
};

const encoder = new TextEncoder();
/** When a forecast for day D is made: 06:00 that morning, Pacific standard time (docs: pass it as `as_of`). */
export const asOfFor = (date: string) => `${date}T06:00:00-08:00`;

/**
 * Features through the serving pipeline, one request per day (each at its own as_of);
 * `without` = keys left out of the store (context missing).
 */
async function features(list: Day[], without: Set<string> = new Set()): Promise<Float32Array> {
  const values = new Map(context.filter((c) => !without.has(c.key)).map((c) => [c.key, c.value]));
  const pipeline = contextPipeline(spec, MODEL_SIGNATURE, "seattle_weather");
  const out = new Float32Array(list.length * WIDTH);
  for (const [i, d] of list.entries()) {
    const prepared = await pipeline.prepare(
      {
        date: { dtype: "string", shape: [1], values: [encoder.encode(d.date)] },
        month: { dtype: "int32", shape: [1], values: Int32Array.of(Number(d.date.slice(5, 7))) },
      },
      { getMany: async () => ({ values, degraded: false }) },
      undefined,
      { asOf: asOfFor(d.date) },
    );
    out.set(prepared.modelInputs.features!.values as Float32Array, i * WIDTH);
  }
  return out;
}

await tf.setBackend("cpu");
await tf.ready();
const random = prng(SEED);
// 15% of training days see no context (the missing indicator learns what defaults mean).
const dropped = new Set(trainDays.filter(() => random() < 0.15).map((d) => `${KEY_PREFIX}${d.date}`));
// One seeded shuffle (tf's own shuffle draws from Math.random): batches mix seasons.
const order = trainDays
  .map((d, i) => ({ d, k: random() + i * 0 }))
  .sort((a, b) => a.k - b.k)
  .map((o) => o.d);
const xTrain = await features(order, dropped);
const yTrain = Float32Array.from(order, label);

const model = await fitBinaryMlp(
  tf,
  {
    name: "seattle_rain",
    output: "rain_probability",
    width: WIDTH,
    hidden: 16,
    seed: SEED,
    learningRate: 0.01,
    epochs: 15,
  },
  xTrain,
  yTrain,
);

const predict = (x: Float32Array, n: number) =>
  tf.tidy(() => (model.predict(tf.tensor2d(x, [n, WIDTH])) as tf.Tensor).dataSync() as Float32Array);
const yTest = Float32Array.from(testDays, label);
const withContext = predict(await features(testDays), testDays.length);
const withoutContext = predict(
  await features(testDays, new Set(testDays.map((d) => `${KEY_PREFIX}${d.date}`))),
  testDays.length,
);
// The climatology baseline: the training rain rate of each month.
const monthRate = MONTHS.map((m) => mean(trainDays.filter((d) => Number(d.date.slice(5, 7)) === m).map(label)));
const climatology = Float32Array.from(testDays, (d) => monthRate[Number(d.date.slice(5, 7)) - 1]!);
const accuracy = (p: Float32Array) => mean(Array.from(p, (q, i) => ((q >= 0.5 ? 1 : 0) === yTest[i] ? 1 : 0)));
const score = (p: Float32Array) => ({
  auc: round(auc(p, yTest)),
  log_loss: round(logLoss(p, yTest)),
  accuracy: round(accuracy(p)),
});
const metrics = {
  data: "vega-datasets/data/seattle-weather.csv",
  label: "precipitation > 0 on the day",
  train: { days: trainDays.length, from: trainDays[0]!.date, to: trainDays.at(-1)!.date, context_dropout: 0.15 },
  test: {
    days: testDays.length,
    from: testDays[0]!.date,
    to: testDays.at(-1)!.date,
    rain_rate: round(mean(Array.from(yTest))),
  },
  with_context: score(withContext),
  without_context: score(withoutContext),
  month_climatology: score(climatology),
};

const versionDir = join(OUT, "1");
mkdirSync(versionDir, { recursive: true });
await saveModel(model, versionDir);
await writeManifest(versionDir, {
  name: "seattle_weather",
  version: 1,
  format: "layers-model",
  description:
    "Will it rain in Seattle on a day? Month from the request, yesterday's weather from KV (declared context).",
  signature: MODEL_SIGNATURE,
  context: spec,
  // Drift is measured against the vectors the model was trained on (docs/monitoring.md, "Drift").
  monitoring: {
    task: "binary",
    baseline: {
      source: `${DATA_CSV}: training days ${trainDays[0]!.date}..${trainDays.at(-1)!.date}, as trained (15% without context)`,
      rows: trainDays.length,
      features: baselineOf(xTrain, featureNames(spec)),
    },
  },
});
writeFileSync(join(OUT, "context.jsonl"), `${context.map((c) => JSON.stringify(c)).join("\n")}\n`);
writeFileSync(join(OUT, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(metrics, null, 2)}\nwrote ${versionDir}, ${join(OUT, "context.jsonl")}\n`);
