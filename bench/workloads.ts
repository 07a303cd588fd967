/**
 * What the benchmark sends: per model, a single-row and a 64-row request (the image model: one
 * image through v2 infer), as JSON bodies for the Worker and for the Node.js peer, and as tensors
 * for the in-process run. Values are seeded, so every run sends the same bytes.
 *
 * Models: the bundled fixture `tiny_layers`, the default `flights` model when
 * model/artifacts/flights/1 exists, and the bench-only image model `mobilenet_v2` (bench/image-model.ts:
 * MobileNetV2 from nsfwjs, converter-produced), fed a seeded 224x224x3 image with values in [0, 1],
 * as JSON and (Worker targets only) as v2 binary tensor data.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { prng } from "../model/lib/prng.ts";

export interface TensorInput {
  /** The model's own tensor name (what the in-process run feeds). */
  tensor: string;
  shape: number[];
  values: number[];
}

export interface Workload {
  /** e.g. "tiny_layers x1", "flights x64", "image mobilenet_v2 x1 (v2 infer)". */
  id: string;
  model: string;
  version: number;
  rows: number;
  /** Which Worker bundle serves it: the production one, or the bench-only image bundle. */
  bundle: "default" | "image";
  /** Model directory (model.json, shards, manifest.json), for the Node peer and the in-process run. */
  dir: string;
  /** Load-test concurrency: 8 for small models; 1 for the image model (latency, not queueing). */
  connections: number;
  /** `headers` replace the default `content-type: application/json` (binary tensor bodies). */
  worker: { path: string; body: string | Buffer; headers?: Record<string, string> };
  peer: { path: string; body: string };
  inputs: TensorInput[];
  /** Internal output tensor names to read back in-process. */
  outputs: string[];
  /**
   * Prediction-cache workloads: the Worker gets `pool(n)`, N distinct bodies cycled by every
   * connection, instead of `worker.body`; n = 0 for the warm-up, then one per round, each pool new
   * to the cache so every round starts cold (hit ratio = 1 - misses / requests).
   */
  pool?: (n: number) => string[];
  /** Only these targets run it (default: all). */
  targets?: string[];
}

interface ManifestTensor {
  name: string;
  tensor?: string;
  shape: number[];
}
interface Manifest {
  name: string;
  signature: { inputs: ManifestTensor[]; outputs: ManifestTensor[] };
  preprocess?: { kind: string };
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** One seeded tensor per model input, batch dimension `rows`, values in [lo, hi] with 3 decimals. */
function tensors(manifest: Manifest, rows: number, seed: number, [lo, hi]: [number, number] = [-1, 1]): TensorInput[] {
  const random = prng(seed);
  return manifest.signature.inputs.map((spec) => {
    const shape = spec.shape.map((d, i) => (i === 0 ? rows : d));
    if (shape.some((d) => d < 0)) throw new Error(`input ${spec.name} has an unknown inner dimension`);
    const values = Array.from({ length: size(shape) }, () => Math.round((lo + random() * (hi - lo)) * 1000) / 1000);
    return { tensor: spec.tensor ?? spec.name, shape, values };
  });
}

/** Row r of a tensor as a nested array (v1 row format). */
function row(t: TensorInput, r: number): unknown {
  const inner = t.shape.slice(1);
  const width = size(inner);
  const flat = t.values.slice(r * width, (r + 1) * width);
  const nest = (values: number[], dims: number[]): unknown =>
    dims.length <= 1
      ? values
      : Array.from({ length: dims[0]! }, (_, i) =>
          nest(values.slice(i * size(dims.slice(1)), (i + 1) * size(dims.slice(1))), dims.slice(1)),
        );
  return inner.length === 0 ? flat[0] : nest(flat, inner);
}

/** v1 `instances`: bare rows for a one-input model, else objects keyed by input name. */
function v1Body(manifest: Manifest, inputs: TensorInput[], rows: number): string {
  const names = manifest.signature.inputs.map((s) => s.name);
  const instances = Array.from({ length: rows }, (_, r) =>
    inputs.length === 1 ? row(inputs[0]!, r) : Object.fromEntries(inputs.map((t, i) => [names[i]!, row(t, r)])),
  );
  return JSON.stringify({ instances });
}

const FLIGHTS = [
  { origin: "SFO", destination: "LAX", departure: "2001-06-15T08:30", distance: 337 },
  { origin: "JFK", destination: "LAX", departure: "2001-06-15T17:05", distance: 2475 },
  { origin: "ORD", destination: "ATL", departure: "2001-06-16T07:10", distance: 606 },
  { origin: "DEN", destination: "SEA", departure: "2001-06-17T19:45", distance: 1024 },
];

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
}

function modelWorkloads(name: string, dir: string, bundle: Workload["bundle"], rowsList: number[]): Workload[] {
  const manifest = readManifest(dir);
  return rowsList.map((rows, k) => {
    const inputs = tensors(manifest, rows, 1000 + 17 * k);
    const peerBody = v1Body(manifest, inputs, rows);
    const workerBody =
      manifest.preprocess?.kind === "flights"
        ? JSON.stringify({ instances: Array.from({ length: rows }, (_, r) => FLIGHTS[r % FLIGHTS.length]) })
        : peerBody;
    return {
      id: `${name} x${rows}`,
      model: name,
      version: 1,
      rows,
      bundle,
      dir,
      connections: 8,
      worker: { path: `/v1/models/${name}/versions/1:predict`, body: workerBody },
      // Flights: the Node peer does the same work as the Worker (raw fields, context, features).
      peer: { path: `/v1/models/${name}:predict`, body: workerBody },
      inputs,
      outputs: manifest.signature.outputs.map((o) => o.tensor ?? o.name),
    };
  });
}

/** One image through v2 infer: a seeded 224x224x3 image, values in [0, 1] with 3 decimals (about 0.9 MB of JSON). */
function imageWorkload(dir: string): Workload {
  const manifest = readManifest(dir);
  const name = manifest.name;
  const inputs = tensors(manifest, 1, 4242, [0, 1]);
  const body = JSON.stringify({
    id: "bench-1",
    inputs: inputs.map((t, i) => ({
      name: manifest.signature.inputs[i]!.name,
      shape: t.shape,
      datatype: "FP32",
      data: t.values,
    })),
  });
  return {
    id: `image ${name} x1 (v2 infer)`,
    model: name,
    version: 1,
    rows: 1,
    bundle: "image",
    dir,
    connections: 1,
    worker: { path: `/v2/models/${name}/versions/1/infer`, body },
    peer: { path: `/v2/models/${name}/infer`, body },
    inputs,
    outputs: manifest.signature.outputs.map((o) => o.tensor ?? o.name),
  };
}

/**
 * The image workload with its tensors sent through the v2 binary tensor data extension: the JSON
 * body's inputs re-encoded as little-endian bytes after a JSON header (`Inference-Header-Content-Length`),
 * outputs still answered as JSON. Built from the JSON body, so it follows whatever that body holds.
 */
function binaryWorkload(base: Workload): Workload {
  const request = JSON.parse(base.worker.body as string) as {
    inputs: Array<{ name: string; shape: number[]; datatype: string; data: unknown[] }>;
  };
  const chunks: Buffer[] = [];
  const inputs = request.inputs.map(({ data, ...input }) => {
    const values = (data as unknown[]).flat(Infinity) as number[];
    const bytes = Buffer.alloc(values.length * 4);
    if (input.datatype === "FP32") values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
    else if (input.datatype === "INT32") values.forEach((v, i) => bytes.writeInt32LE(v, i * 4));
    else throw new Error(`binary workload: ${input.datatype} inputs are not encoded here`);
    chunks.push(bytes);
    return { ...input, parameters: { binary_data_size: bytes.byteLength } };
  });
  const header = Buffer.from(JSON.stringify({ ...request, inputs }));
  return {
    ...base,
    id: base.id.replace("(v2 infer)", "(v2 infer, binary)"),
    targets: ["worker-wasm", "worker-cpu"],
    worker: {
      path: base.worker.path,
      body: Buffer.concat([header, ...chunks]),
      headers: {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(header.byteLength),
      },
    },
  };
}

/**
 * The flights context (model/artifacts/flights/context.json, `wrangler kv bulk put` format) for
 * the airports the workloads use, to write into the Worker's KV before the load test.
 */
export function flightsContext(): Array<{ key: string; value: string }> {
  const path = "model/artifacts/flights/context.json";
  if (!existsSync(path)) return [];
  const airports = new Set(FLIGHTS.flatMap((f) => [f.origin, f.destination]));
  const dates = new Set(FLIGHTS.map((f) => f.departure.slice(0, 10)));
  const entries = JSON.parse(readFileSync(path, "utf8")) as Array<{ key: string; value: string }>;
  // ap:SFO, route:SFO-LAX (both ends), cong:SFO:2001-06-15 (the flights' days): a superset of what they read.
  const needed = (key: string) => {
    const [kind, id = "", date = ""] = key.split(":");
    if (kind === "route") return id.split("-").every((a) => airports.has(a));
    return airports.has(id) && (kind !== "cong" || dates.has(date));
  };
  return entries.filter((e) => needed(e.key));
}

/** The targets of the prediction-cache workloads: the same Worker with the cache off and on. */
export const CACHE_TARGETS = ["worker-wasm", "worker-wasm-pc"];

/**
 * The targets of the prediction-log workload (issue 19): the same Worker with PREDICTION_LOG on
 * (the default; its queue consumer runs in the same workerd, so its Parquet writing is counted
 * too), on with a producer that discards what it is sent (the Worker's own cost: what a deployed
 * predicting invocation pays), and off.
 */
export const LOG_TARGETS = ["worker-wasm", "worker-wasm-logsend", "worker-wasm-nolog"];

/** Flights x1 with the prediction log on and off: its cost on the predict path. */
function flightsLogWorkload(base: Workload): Workload {
  return { ...base, id: `${base.id} (log on/off)`, targets: LOG_TARGETS };
}

/**
 * The targets of the shadow workload (issue 20): the same Worker, and the same Worker whose flights
 * pointer record (REGISTRY, `model:flights`) names version 1 as its own shadow at sample 1.0, so
 * every request also runs the model a second time after its answer (context replayed, rows logged
 * as arm shadow): the CPU a shadowed request costs.
 */
export const SHADOW_TARGETS = ["worker-wasm", "worker-wasm-shadow"];

/** The pointer record the shadow target serves flights with: bundled version 1, shadowed by itself on every request. */
export const SHADOW_RECORD = {
  key: "model:flights",
  value: JSON.stringify({
    versions: {},
    labels: {},
    canary_percent: 0,
    history: {},
    shadow: { version: 1, sample: 1 },
  }),
};

/** Flights x1 with and without a shadow version at sample 1.0. */
function flightsShadowWorkload(base: Workload): Workload {
  return { ...base, id: `${base.id} (shadow on/off)`, targets: SHADOW_TARGETS };
}

/** Flights, one flight per request, from a pool of N distinct flights (distances differ per pool). */
function flightsCacheWorkload(base: Workload, size: number): Workload {
  return {
    ...base,
    id: `${base.id} pool ${size} (pred. cache)`,
    targets: CACHE_TARGETS,
    pool: (n) =>
      Array.from({ length: size }, (_, i) => {
        const f = FLIGHTS[i % FLIGHTS.length]!;
        return JSON.stringify({ instances: [{ ...f, distance: f.distance + (n * size + i) / 8 }] });
      }),
  };
}

/** The image model from a pool of N distinct images (the first pixel, k / 65536 for the k-th image over all pools, stays in [0, 1]). */
function imageCacheWorkload(base: Workload, size: number): Workload {
  const request = JSON.parse(base.worker.body as string) as { inputs: Array<{ data: number[] }> };
  return {
    ...base,
    id: `${base.id} pool ${size} (pred. cache)`,
    targets: CACHE_TARGETS,
    pool: (n) =>
      Array.from({ length: size }, (_, i) => {
        const data = [...request.inputs[0]!.data];
        data[0] = (n * size + i) / 65536;
        return JSON.stringify({ ...request, inputs: [{ ...request.inputs[0], data }] });
      }),
  };
}

/** The workloads to run, in order; `flights` only when its artifact is there. */
export function workloads(imageDir: string | undefined): Workload[] {
  const list = modelWorkloads("tiny_layers", "model/artifacts/tiny_layers/1", "default", [1, 64]);
  const flights = "model/artifacts/flights/1";
  const hasFlights = existsSync(join(flights, "manifest.json"));
  if (hasFlights) list.push(...modelWorkloads("flights", flights, "default", [1, 64, 1024]));
  if (imageDir) list.push(imageWorkload(imageDir));
  if (imageDir) list.push(binaryWorkload(list.find((w) => w.bundle === "image")!));
  if (hasFlights) list.push(flightsCacheWorkload(list.find((w) => w.id === "flights x1")!, 64));
  if (hasFlights) list.push(flightsLogWorkload(list.find((w) => w.id === "flights x1")!));
  if (hasFlights) list.push(flightsShadowWorkload(list.find((w) => w.id === "flights x1")!));
  if (imageDir) list.push(imageCacheWorkload(list.find((w) => w.bundle === "image")!, 8));
  return list;
}
