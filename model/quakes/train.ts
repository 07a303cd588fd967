/**
 * A model fed by a declared stream, end to end (docs/streams.md): "will this seismic network
 * record an M2.5+ earthquake in the next 3 hours?" from vega-datasets' earthquakes.json (one week
 * of USGS quakes, 2018-01-31..02-07, shipped in the npm package). The client sends the network
 * and `as_of`; the recent activity (counts over 1h/6h/24h, M2.5+ counts, largest magnitude) comes
 * from the `quakes` stream's windows at `as_of`, read from KV.
 *
 * Writes, under --out DIR (default dist/quakes):
 *   stream.json                                             (the stream declaration)
 *   events.jsonl                                            (the week's quakes as stream events)
 *   1/model.json, 1/group1-shard1of1.bin, 1/manifest.json   (layers-model + the context section)
 *   metrics.json                                            (the last 36 hours held out)
 * The features are the serving pipeline's own (src/core/context/pipeline.ts) over values built by
 * the entity object's own bucket code (src/core/streams), so training and serving cannot drift.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { exitOnHelp } from "../../scripts/help.ts";
import { contextPipeline } from "../../src/core/context/pipeline.ts";
import { type ContextSpec, ContextSpecSchema } from "../../src/core/context/spec.ts";
import { addToBucket, type Bucket, bucketStart } from "../../src/core/streams/buckets.ts";
import { entityConfigs, renderValue } from "../../src/core/streams/entity.ts";
import { type EntityUpdate, parseStreamEvents } from "../../src/core/streams/events.ts";
import { StreamSchema } from "../../src/core/streams/spec.ts";
import type { Signature } from "../../src/core/tensors/spec.ts";
import { auc, logLoss } from "../flights/metrics.ts";
import { saveModel } from "../flights/model.ts";
import { writeManifest } from "../lib/artifacts.ts";
import { fitBinaryMlp } from "../lib/mlp.ts";
import { prng } from "../lib/prng.ts";

exitOnHelp({
  script: "model:quakes",
  args: "[-- --out DIR]",
  summary: `Trains the earthquake model (vega-datasets earthquakes.json) on a declared stream's windows:
recent quakes per seismic network over 1h/6h/24h. Writes DIR/stream.json (the declaration),
DIR/events.jsonl (the week as events), DIR/1 (model.json, shard, manifest.json with the context
section) and DIR/metrics.json. Takes a few seconds on the CPU backend.`,
  options: [["--out DIR", "where to write (default dist/quakes)"]],
  examples: ["npm run model:quakes"],
  notes:
    "Then: npm run streams -- publish DIR/stream.json; npm run models -- publish DIR/1 --name quakes --version 1; npm run streams -- replay DIR/events.jsonl --stream quakes --speed 3600",
});

const { values: args } = parseArgs({ options: { out: { type: "string" } }, strict: true });
const OUT = args.out ?? "dist/quakes";
const SEED = 21;
const HOUR = 3_600_000;
export const NETS = ["ak", "ci", "hv", "mb", "nc", "nn", "pr", "us", "uu", "uw"];
const HORIZON_H = 3;

interface Quake {
  id: string;
  time: string;
  net: string;
  mag: number;
  strong: boolean;
  depth: number;
}
const raw = JSON.parse(readFileSync("node_modules/vega-datasets/data/earthquakes.json", "utf8")) as {
  features: Array<{
    id: string;
    properties: { time: number; net: string; mag: number };
    geometry: { coordinates: number[] };
  }>;
};
const quakes: Quake[] = raw.features
  .map((f) => ({
    id: f.id,
    time: new Date(f.properties.time).toISOString(),
    net: f.properties.net,
    mag: f.properties.mag,
    strong: f.properties.mag >= 2.5,
    depth: f.geometry.coordinates[2] ?? 0,
  }))
  .sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));

const stream = StreamSchema.parse({
  name: "quakes",
  description: "USGS earthquakes as reported, one event per quake (event time: origin time)",
  id_field: "id",
  time_field: "time",
  lateness: "2h",
  fields: [
    { name: "id", dtype: "string" },
    { name: "time", dtype: "string" },
    { name: "net", dtype: "string" },
    { name: "mag", dtype: "float32" },
    { name: "strong", dtype: "bool" },
    { name: "depth", dtype: "float32" },
  ],
  entities: [{ name: "net", key: "net:{net}" }],
  aggregations: [
    { name: "quakes", entity: "net", function: "count", windows: ["1h", "6h", "24h"], bucket: "10m" },
    {
      name: "strong",
      entity: "net",
      function: "count",
      filter: { field: "strong", equals: true },
      windows: ["6h", "24h"],
      bucket: "10m",
    },
    { name: "mag", entity: "net", function: "max", field: "mag", windows: ["6h", "24h"], bucket: "10m" },
  ],
});

/** Every network's value with all its buckets, as the entity objects build them (uncompacted). */
function values(): Map<string, unknown> {
  // Through the event route's own validation, in requests of at most 1,000 events.
  const byKey = new Map<string, EntityUpdate[]>();
  for (let i = 0; i < quakes.length; i += 1000) {
    for (const [key, g] of parseStreamEvents(stream, { events: quakes.slice(i, i + 1000) }).byKey)
      byKey.set(key, [...(byKey.get(key) ?? []), ...g.updates]);
  }
  const config = entityConfigs(stream).get("net")!;
  const out = new Map<string, unknown>();
  for (const [key, updates] of byKey) {
    const buckets = new Map<string, Map<number, Bucket>>();
    for (const u of updates) {
      for (const [agg, v] of Object.entries(u.aggs)) {
        const c = config.aggs[agg]!;
        const s = bucketStart(u.time, c.bucket_ms);
        const m = buckets.get(agg) ?? new Map<number, Bucket>();
        m.set(s, addToBucket(c.fn, m.get(s), s, { id: u.id, time: u.time, value: v }));
        buckets.set(agg, m);
      }
    }
    const watermark = Math.max(...updates.map((u) => u.time));
    out.set(key, renderValue(config, watermark, {}, new Map([...buckets].map(([a, m]) => [a, [...m.values()]]))));
  }
  return out;
}

const COUNTS = ["quakes_1h", "quakes_6h", "quakes_24h", "strong_6h", "strong_24h"];
const spec: ContextSpec = ContextSpecSchema.parse({
  fields: [{ name: "net", dtype: "string", description: "the USGS seismic network (ak, ci, nc, us, …)" }],
  lookups: [
    {
      name: "recent",
      stream: "quakes",
      key: "s:quakes:net:{net}",
      description: "the network's quakes in windows ending at as_of",
      fields: [
        ...COUNTS.map((name) => ({ name, dtype: "int32", default: 0 })),
        { name: "mag_6h", dtype: "float32", default: 0 },
        { name: "mag_24h", dtype: "float32", default: 0 },
      ],
    },
  ],
  features: [
    { from: "net", transforms: [{ kind: "one_hot", vocabulary: NETS }] },
    ...COUNTS.map((c) => ({ from: `recent.${c}`, transforms: [{ kind: "log1p" }] })),
    { from: "recent.mag_6h", transforms: [{ kind: "standardize", mean: 2, std: 1.5 }] },
    { from: "recent.mag_24h", transforms: [{ kind: "standardize", mean: 2, std: 1.5 }] },
  ],
});
const WIDTH = NETS.length + COUNTS.length + 2;
const SIGNATURE: Signature = {
  inputs: [{ name: "features", tensor: "features", dtype: "float32", shape: [-1, WIDTH] }],
  outputs: [{ name: "strong_probability", tensor: "strong_probability", dtype: "float32", shape: [-1, 1] }],
};

// Rows: each network at each whole hour from day 2 on; label: an M2.5+ quake there in the next 3 hours.
const first = Date.parse(quakes[0]!.time);
const last = Date.parse(quakes.at(-1)!.time);
const rows: Array<{ net: string; asOf: number; y: number }> = [];
for (let t = Math.ceil((first + 24 * HOUR) / HOUR) * HOUR; t + HORIZON_H * HOUR <= last; t += HOUR) {
  for (const net of NETS) {
    const y = quakes.some(
      (q) => q.net === net && q.strong && Date.parse(q.time) >= t && Date.parse(q.time) < t + HORIZON_H * HOUR,
    );
    rows.push({ net, asOf: t, y: y ? 1 : 0 });
  }
}
const split = last - 36 * HOUR;
const train = rows.filter((r) => r.asOf + HORIZON_H * HOUR <= split);
const test = rows.filter((r) => r.asOf >= split);

const encoder = new TextEncoder();
const store = values();
async function features(list: typeof rows): Promise<Float32Array> {
  const pipeline = contextPipeline(spec, SIGNATURE, "quakes");
  const out = new Float32Array(list.length * WIDTH);
  for (const [i, r] of list.entries()) {
    const prepared = await pipeline.prepare(
      { net: { dtype: "string", shape: [1], values: [encoder.encode(r.net)] } },
      { getMany: async () => ({ values: store, degraded: false }) },
      undefined,
      { asOf: new Date(r.asOf).toISOString() },
    );
    out.set(prepared.modelInputs.features!.values as Float32Array, i * WIDTH);
  }
  return out;
}

await tf.setBackend("cpu");
await tf.ready();
const random = prng(SEED);
const order = train
  .map((r) => ({ r, k: random() }))
  .sort((a, b) => a.k - b.k)
  .map((o) => o.r);
const model = await fitBinaryMlp(
  tf,
  { name: "quakes", output: "strong_probability", width: WIDTH, hidden: 8, seed: SEED, learningRate: 0.02, epochs: 30 },
  await features(order),
  Float32Array.from(order, (r) => r.y),
);

const round = (x: number) => Math.round(x * 1e4) / 1e4;
const yTest = Float32Array.from(test, (r) => r.y);
const xTest = await features(test);
const p = tf.tidy(
  () => (model.predict(tf.tensor2d(xTest, [test.length, WIDTH])) as tf.Tensor).dataSync() as Float32Array,
);
// Baseline: each network's training rate of the label.
const rate = new Map(
  NETS.map((n) => [
    n,
    train.filter((r) => r.net === n).reduce((s, r) => s + r.y, 0) /
      Math.max(1, train.filter((r) => r.net === n).length),
  ]),
);
const base = Float32Array.from(test, (r) => rate.get(r.net)!);
const metrics = {
  data: "vega-datasets/data/earthquakes.json",
  label: `an M2.5+ quake in the network within ${HORIZON_H} h of as_of`,
  train: { rows: train.length, positive_rate: round(train.reduce((s, r) => s + r.y, 0) / train.length) },
  test: {
    rows: test.length,
    from: new Date(split).toISOString(),
    positive_rate: round(Array.from(yTest).reduce((a, b) => a + b, 0) / test.length),
  },
  with_stream_context: { auc: round(auc(p, yTest)), log_loss: round(logLoss(p, yTest)) },
  network_rate_baseline: { auc: round(auc(base, yTest)), log_loss: round(logLoss(base, yTest)) },
};

mkdirSync(join(OUT, "1"), { recursive: true });
await saveModel(model, join(OUT, "1"));
await writeManifest(join(OUT, "1"), {
  name: "quakes",
  version: 1,
  format: "layers-model",
  description:
    "Will this seismic network record an M2.5+ quake in the next 3 hours? Recent activity from the quakes stream.",
  signature: SIGNATURE,
  context: spec,
});
writeFileSync(join(OUT, "stream.json"), `${JSON.stringify(stream, null, 2)}\n`);
writeFileSync(join(OUT, "events.jsonl"), `${quakes.map((q) => JSON.stringify(q)).join("\n")}\n`);
writeFileSync(join(OUT, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(metrics, null, 2)}\nwrote ${OUT}\n`);
