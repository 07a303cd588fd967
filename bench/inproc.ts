/**
 * The compute floor: each workload's model called in-process with no HTTP and no JSON, through the
 * Worker's own core (src/runtime/tfjs/model.ts loadModel + run: tensors in, tf.tidy, outputs read back)
 * on the cpu backend or the wasm-SIMD backend (src/runtime/tfjs/backend.ts, given the .wasm compiled in
 * Node). One call at a time, warm-up first; prints one JSON line per workload.
 *
 *   tsx bench/inproc.ts --backend cpu|wasm --seconds 5 --warmup 2 [--image dir]
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { NamedTensors } from "../src/core/tensors/spec.ts";
import { type BackendName, ensureBackend } from "../src/runtime/tfjs/backend.ts";
import { loadModel, parseModelJson, shardPaths } from "../src/runtime/tfjs/model.ts";
import { summarize } from "./stats.ts";
import { workloads } from "./workloads.ts";

/** Node's WebAssembly.compile (workers-types leave it out: workerd forbids compiling at run time). */
const compileWasm = (bytes: Uint8Array) =>
  (WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> }).compile(bytes);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const backend = (arg("backend") ?? "cpu") as BackendName;
const seconds = Number(arg("seconds") ?? "5");
const warmup = Number(arg("warmup") ?? "2");
const wasmPath = createRequire(import.meta.url).resolve(
  "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
);
const choice = await ensureBackend(backend, backend === "wasm" ? await compileWasm(readFileSync(wasmPath)) : undefined);
if (choice.backend !== backend) throw new Error(`backend ${backend} did not start: ${choice.fallback}`);

const bytes = (path: string) => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

for (const w of workloads(arg("image")).filter((x) => !x.pool)) {
  const modelJson = parseModelJson(bytes(join(w.dir, "model.json")), w.model);
  const shards = new Map(shardPaths(modelJson).map((p) => [p, bytes(join(w.dir, p))]));
  const model = await loadModel(modelJson, shards, w.model);
  const inputs: NamedTensors = Object.fromEntries(
    w.inputs.map((t) => [t.tensor, { dtype: "float32", shape: t.shape, values: Float32Array.from(t.values) }]),
  );
  const call = () => model.run(inputs, w.outputs);
  for (const end = performance.now() + warmup * 1000; performance.now() < end; ) await call();
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000 || times.length < 3) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  model.dispose();
  console.log(
    JSON.stringify({
      workload: w.id,
      ...summarize(times),
      throughput: times.length / elapsed,
      cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / times.length,
    }),
  );
}
