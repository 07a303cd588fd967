/**
 * The prediction log's own CPU cost, apart from the queue it sends to: `npx tsx bench/prediction-log.ts`.
 * In the full bench (`npm run bench -- --only "log on/off"`) the workerd process also runs
 * Miniflare's local Queue (broker, storage, consumer dispatch) and R2; deployed, those are
 * Cloudflare's services, not the Worker's CPU. This times what the Worker itself does per flights
 * request: the capture and record building, the producer's JSON sizing (queue send stubbed), and
 * the consumer's Parquet encoding per record (batches of 100).
 */

import { predictionsParquet } from "../src/adapters/parquet/log-schema.ts";
import { queueLogSink } from "../src/adapters/queues/log-sink.ts";
import { createCapture } from "../src/core/monitoring/capture.ts";

const enc = new TextEncoder();
const text = (v: string) => ({ dtype: "string" as const, shape: [1], values: [enc.encode(v)] });
const sink = queueLogSink({ async sendBatch() {} });
async function one(i: number) {
  const c = createCapture("v1");
  c.asked("flights");
  c.chose({ name: "flights", version: 1, arm: "default", label: null });
  c.keys({ kind: "passthrough", fields: () => ({ key: `row-${i}` }) });
  c.ran({
    inputs: {
      origin: text("SFO"),
      destination: text("LAX"),
      departure: text("2001-06-01T08:04"),
      distance: { dtype: "float32", shape: [1], values: Float32Array.from([337]) },
    },
    features: { in: { dtype: "float32", shape: [1, 35], values: Float32Array.from({ length: 35 }, (_, k) => k / 7) } },
    outputs: [
      {
        spec: { name: "delay_probability", dtype: "float32", shape: [-1] },
        tensor: { dtype: "float32", shape: [1], values: Float32Array.from([0.2]) },
      },
      { spec: { name: "delayed", dtype: "bool", shape: [-1] }, tensor: { dtype: "bool", shape: [1], values: [false] } },
    ],
    rows: () => [
      {
        as_of: "2001-06-01T14:00:00.000Z",
        lookups: ["origin", "destination", "route", "origin_live", "destination_live"].map((l) => ({
          lookup: l,
          key: `ap:${l}`,
          status: "present" as const,
          updated_at: null,
        })),
      },
    ],
  });
  const e = { requestId: `id-${i}`, time: Date.now(), latencyMs: 3, status: 200 };
  c.count(e);
  const r = await c.records(e);
  await sink.send(r);
  return r[0]!;
}
for (let i = 0; i < 2000; i++) await one(i);
const n = 20000;
const t0 = process.cpuUsage();
const recs = [];
for (let i = 0; i < n; i++) recs.push(await one(i));
const t = process.cpuUsage(t0);
console.log(
  `producer side (capture + records + JSON sizes): ${((t.user + t.system) / 1000 / n).toFixed(4)} ms CPU per flights request`,
);
const batch = recs.slice(0, 100).map((r) => JSON.parse(JSON.stringify(r)));
for (let i = 0; i < 50; i++) predictionsParquet(batch);
const t1 = process.cpuUsage();
for (let i = 0; i < 500; i++) predictionsParquet(batch);
const u = process.cpuUsage(t1);
console.log(
  `consumer Parquet encode: ${((u.user + u.system) / 1000 / 500 / 100).toFixed(4)} ms CPU per record (batches of 100)`,
);
