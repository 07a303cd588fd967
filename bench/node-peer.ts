/**
 * The peer a user would otherwise run: a plain `node:http` server with @tensorflow/tfjs serving
 * the same model files (layers models, as the converter writes them; quantized weights are
 * dequantized by TF.js on load) through minimal TF Serving v1 `:predict` ({"instances"})
 * and Open Inference Protocol v2 `infer` routes. No validation, limits or logging: read the body,
 * JSON.parse, build tensors, predict, read back, JSON.stringify.
 *
 * A model whose manifest says `preprocess.kind: "flights"` gets the same work as the Worker's
 * flights pipeline on v1: parse the raw fields (parseFlight), read each flight's 5 context values
 * from an in-memory Map of JSON strings (the bench's KV seed, parsed per read as a Redis client
 * would), build the features with src/pipelines/flights, run the model, answer
 * {delay_probability, delayed, context} per flight.
 *
 *   tsx bench/node-peer.ts --backend cpu|wasm --port 0 name=dir [name=dir ...]
 *
 * Prints `READY <port>` when it listens. The wasm backend loads TF.js' own way in Node (its
 * .wasm files read from node_modules; SIMD, no threads in Node).
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { batchLookup } from "../src/pipelines/flights/context.ts";
import { buildFeatures, contextKeys, FlightsParamsSchema, parseFlight } from "../src/pipelines/flights/index.ts";
import { flightsContext } from "./workloads.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function loadLayers(dir: string): Promise<tf.LayersModel> {
  const modelJson = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const buffers = manifest.flatMap((g) => g.paths.map((p) => new Uint8Array(readFileSync(join(dir, p))).buffer));
    return [manifest.flatMap((g) => g.weights), tf.io.concatenateArrayBuffers(buffers)];
  });
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

type Json = Record<string, unknown>;

/** v1 row format: bare rows for one input, objects keyed by input name for several. */
function predictV1(model: tf.LayersModel, body: Json): Json {
  const instances = body.instances as unknown[];
  const outputs = tf.tidy(() => {
    const feeds =
      model.inputNames.length === 1
        ? [tf.tensor(instances as number[][])]
        : model.inputNames.map((name) => tf.tensor(instances.map((r) => (r as Record<string, number[]>)[name]!)));
    const result = model.predict(feeds.length === 1 ? feeds[0]! : feeds);
    return Array.isArray(result) ? result : [result];
  });
  const values = outputs.map((t) => t.arraySync() as unknown[]);
  tf.dispose(outputs);
  if (values.length === 1) return { predictions: values[0] };
  return {
    predictions: instances.map((_, i) => Object.fromEntries(model.outputNames.map((name, k) => [name, values[k]![i]]))),
  };
}

/** The flights model's v1 work (see the header): raw fields in, context joined, features built. */
interface Flights {
  params: ReturnType<typeof FlightsParamsSchema.parse>;
  store: Map<string, string>;
}

function predictFlights(model: tf.LayersModel, flights: Flights, body: Json): Json {
  const queries = (body.instances as Array<Record<string, unknown>>).map((row, i) =>
    parseFlight(row, `instances[${i}]`),
  );
  const values = new Map<string, unknown>();
  for (const key of new Set(queries.flatMap(contextKeys))) {
    const text = flights.store.get(key);
    if (text !== undefined) values.set(key, JSON.parse(text));
  }
  const lookup = batchLookup(values);
  const rows = queries.map((q) => buildFeatures(q, lookup, flights.params));
  const width = rows[0]?.features.length ?? 0;
  const features = new Float32Array(rows.length * width);
  rows.forEach((r, i) => features.set(r.features, i * width));
  const output = tf.tidy(() => model.predict(tf.tensor2d(features, [rows.length, width])) as tf.Tensor);
  const p = output.dataSync();
  output.dispose();
  return {
    predictions: rows.map((r, i) => ({
      delay_probability: p[i],
      delayed: p[i]! >= flights.params.threshold,
      context: { ...r.context, missing: r.missing, degraded: false },
    })),
  };
}

function inferV2(model: tf.LayersModel, name: string, body: Json): Json {
  const inputs = body.inputs as Array<{ name: string; shape: number[]; data: number[] }>;
  const outputs = tf.tidy(() => {
    const feeds = model.inputNames.map((n) => {
      const input = inputs.find((i) => i.name === n)!;
      return tf.tensor(input.data, input.shape, "float32");
    });
    const result = model.predict(feeds.length === 1 ? feeds[0]! : feeds);
    return Array.isArray(result) ? result : [result];
  });
  const answer = {
    model_name: name,
    id: body.id,
    outputs: outputs.map((t, k) => ({
      name: model.outputNames[k],
      shape: t.shape,
      datatype: "FP32",
      data: Array.from(t.dataSync()),
    })),
  };
  tf.dispose(outputs);
  return answer;
}

const backend = arg("backend", "cpu");
if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
await tf.ready();
const models = new Map<string, tf.LayersModel>();
const pipelines = new Map<string, Flights>();
for (const spec of process.argv.slice(2).filter((a) => a.includes("="))) {
  const [name, dir] = spec.split("=") as [string, string];
  models.set(name, await loadLayers(dir));
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
    preprocess?: { kind: string; params: unknown };
  };
  if (manifest.preprocess?.kind === "flights") {
    const store = new Map(flightsContext().map((e) => [e.key, e.value]));
    pipelines.set(name, { params: FlightsParamsSchema.parse(manifest.preprocess.params), store });
  }
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    try {
      const match = /^\/(v1|v2)\/models\/([^/:]+)(?::predict|\/infer)$/.exec(req.url ?? "");
      const model = match ? models.get(match[2]!) : undefined;
      if (!match || !model || req.method !== "POST") {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json;
      const flights = pipelines.get(match[2]!);
      const answer =
        match[1] === "v2"
          ? inferV2(model, match[2]!, body)
          : flights
            ? predictFlights(model, flights, body)
            : predictV1(model, body);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    } catch (err) {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: String(err) }));
    }
  });
});
server.listen(Number(arg("port", "0")), "127.0.0.1", () => {
  console.log(`READY ${(server.address() as AddressInfo).port} ${tf.getBackend()}`);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => server.close(() => process.exit(0)));
