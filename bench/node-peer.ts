/**
 * The peer a user would otherwise run: a plain `node:http` server with @tensorflow/tfjs serving
 * the same model files (layers models, as the converter writes them; quantized weights are
 * dequantized by TF.js on load) through minimal TF Serving v1 `:predict` ({"instances"})
 * and Open Inference Protocol v2 `infer` routes. No validation, limits, context or logging:
 * read the body, JSON.parse, build tensors, predict, read back, JSON.stringify.
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
for (const spec of process.argv.slice(2).filter((a) => a.includes("="))) {
  const [name, dir] = spec.split("=") as [string, string];
  models.set(name, await loadLayers(dir));
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
      const answer = match[1] === "v1" ? predictV1(model, body) : inferV2(model, match[2]!, body);
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
