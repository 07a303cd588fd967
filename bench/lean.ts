/**
 * The mechanism of the lean path, chosen by measurement (docs/performance.md): one model call
 * in-process on three paths, on the Worker's own code in Node with the wasm-SIMD backend:
 *   tfjs    the TF.js runtime as served (src/runtime/tfjs/model.ts: tensors in, tf.tidy, the layers
 *           executor, outputs read back)
 *   fused   a plan over TF.js' fused kernels: one tf.fused.matMul (bias and activation fused) per
 *           Dense on wasm, no layers executor, no tidy per layer (flights only: a Dense chain)
 *   lean    the prepared plan of typed-array loops (src/runtime/lean), every call on the plan
 * Prints microseconds per call (median of 5 timed batches) per workload and rows.
 *
 *   tsx bench/lean.ts [--ms 400]
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type * as TF from "@tensorflow/tfjs-core";
import { exitOnHelp } from "../scripts/help.ts";
import type { NamedTensors } from "../src/core/tensors/spec.ts";

const argv = process.argv.slice(2);
exitOnHelp(
  {
    script: "bench:lean",
    args: "[--ms N]",
    summary:
      "One model call in-process on TF.js, on a plan over TF.js' fused kernels, and on the lean plan (wasm-SIMD, Node).",
    options: [["--ms N", "milliseconds per timed batch (default 400)"]],
    examples: ["npm run bench:lean", "npm run bench:lean -- --ms 1000"],
    notes: "Why the lean path is typed-array code below 64k multiply-adds and TF.js above: docs/performance.md.",
  },
  argv,
);
// Heavy imports after --help (TF.js and its wasm backend take seconds to load).
const tf: typeof TF = await import("@tensorflow/tfjs-core");
const { leanRuntime } = await import("../src/runtime/lean/runtime.ts");
const { decodeWeights } = await import("../src/runtime/lean/weights.ts");
const { ensureBackend } = await import("../src/runtime/tfjs/backend.ts");
const { tfjsRuntime } = await import("../src/runtime/tfjs/model.ts");
const { artifactFiles } = await import("../test/support/lean.ts");
const MS = argv.includes("--ms") ? Number(argv[argv.indexOf("--ms") + 1]) : 400;
const wasm = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm");
const compile = (b: Uint8Array) =>
  (WebAssembly as unknown as { compile(b: Uint8Array): Promise<WebAssembly.Module> }).compile(b);
await ensureBackend("wasm", await compile(readFileSync(wasm)));

async function time(fn: () => unknown): Promise<number> {
  for (let i = 0; i < 50; i++) await fn();
  const runs: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < MS / 5) {
      await fn();
      n++;
    }
    runs.push(((performance.now() - t0) / n) * 1000);
  }
  return runs.sort((a, b) => a - b)[2]!;
}

/** flights' Dense chain as tf.fused.matMul calls on wasm. */
function fusedPlan(dir: string) {
  const json = JSON.parse(readFileSync(`${dir}/model.json`, "utf8"));
  const group = json.weightsManifest[0];
  const weights = decodeWeights(group.weights, artifactFiles(dir).get(group.paths[0])!)!;
  const layers = (
    (json.modelTopology.model_config ?? json.modelTopology).config.layers as Array<{
      class_name: string;
      name: string;
      config: { activation: string };
    }>
  )
    .filter((l) => l.class_name === "Dense")
    .map((l) => {
      const k = weights.get(`${l.name}/kernel`)!;
      return {
        k: tf.tensor2d(k.values as Float32Array, k.shape as [number, number]),
        b: tf.tensor1d(weights.get(`${l.name}/bias`)!.values as Float32Array),
        act: l.config.activation,
      };
    });
  return (x: Float32Array, rows: number) => {
    const input = tf.tensor2d(x, [rows, x.length / rows]);
    let h: TF.Tensor2D = input;
    for (const l of layers) {
      const next = tf.fused.matMul({ a: h, b: l.k, bias: l.b, activation: l.act as "relu" }) as TF.Tensor2D;
      if (h !== input) h.dispose();
      h = next;
    }
    const out = h.dataSync().slice();
    h.dispose();
    input.dispose();
    return out;
  };
}

const lean = leanRuntime(tfjsRuntime, { maxMacs: Number.POSITIVE_INFINITY });
console.log("workload            rows   tfjs µs  fused µs   lean µs");
for (const [name, dir] of [
  ["tiny_layers", "model/artifacts/tiny_layers/1"],
  ["flights", "model/artifacts/flights/1"],
] as const) {
  const files = artifactFiles(dir);
  const [a, b] = [await tfjsRuntime.load(files, name), await lean.load(files, name)];
  const fused = name === "flights" ? fusedPlan(dir) : undefined;
  for (const rows of [1, 8, 16, 64, 256, 1024]) {
    const inputs: NamedTensors = Object.fromEntries(
      a.inputs.map((s) => {
        const width = s.shape[1]!;
        const values = Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i) * (i % 3 === 0 ? 0 : 1));
        return [s.name, { dtype: "float32" as const, shape: [rows, width], values }];
      }),
    );
    const names = a.outputs.map((o) => o.name);
    const x = inputs[a.inputs[0]!.name]!.values as Float32Array;
    const t = [
      await time(() => a.run(inputs, names)),
      fused ? await time(() => fused(x, rows)) : Number.NaN,
      await time(() => b.run(inputs, names)),
    ];
    console.log(
      `${name.padEnd(18)} ${String(rows).padStart(5)} ${t.map((v) => (Number.isNaN(v) ? "-" : v.toFixed(1)).padStart(9)).join(" ")}`,
    );
  }
}
