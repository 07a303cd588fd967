/**
 * The lean runtime (src/runtime/lean) against TF.js on its production backend (wasm-SIMD, in
 * Node): every bundled fixture the plan covers answers within |lean - tfjs| <= 1e-6 * max(1, |tfjs|),
 * random layers-models (fast-check: layer stacks, widths, activations, batch sizes 1-1024, float32
 * and uint8/uint16/float16-quantized weights) within 4e-6 * max(1, |tfjs|); models the plan does not cover, and calls
 * it does not cover, are TF.js' own answers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { prng } from "../../model/lib/prng.ts";
import type { NamedTensors } from "../../src/core/tensors/spec.ts";
import { leanRuntime, prepare } from "../../src/runtime/lean/runtime.ts";
import { halfToFloat } from "../../src/runtime/lean/weights.ts";
import { ensureBackend } from "../../src/runtime/tfjs/backend.ts";
import { tfjsRuntime } from "../../src/runtime/tfjs/model.ts";
import { artifactFiles, type Quantization, quantize, worstRatio } from "../support/lean.ts";

const compileWasm = (bytes: Uint8Array) =>
  (WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> }).compile(bytes);

beforeAll(async () => {
  const path = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm");
  expect(await ensureBackend("wasm", await compileWasm(readFileSync(path)))).toEqual({ backend: "wasm" });
});

/** The plan on every call (no hand-over to TF.js for large ones), to compare the plan itself. */
const planOnly = leanRuntime(tfjsRuntime, { maxMacs: Number.POSITIVE_INFINITY });

function randomInputs(specs: Array<{ name: string; shape: number[] }>, rows: number, seed: number): NamedTensors {
  const random = prng(seed);
  return Object.fromEntries(
    specs.map((s) => {
      const shape = [rows, ...s.shape.slice(1)];
      const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 4 * random() - 2);
      return [s.name, { dtype: "float32" as const, shape, values }];
    }),
  );
}

async function compare(files: Map<string, ArrayBuffer>, rows: number, seed: number, tol = 1e-6): Promise<number> {
  const lean = await planOnly.load(files, "lean");
  const reference = await tfjsRuntime.load(files, "tfjs");
  try {
    expect(lean.runtime).toBe("lean");
    expect(lean.inputs).toEqual(reference.inputs);
    expect(lean.outputs).toEqual(reference.outputs);
    const inputs = randomInputs(lean.inputs, rows, seed);
    const names = lean.outputs.map((o) => o.name);
    return worstRatio(await lean.run(inputs, names), await reference.run(inputs, names), tol);
  } finally {
    lean.dispose();
    reference.dispose();
  }
}

const ARTIFACTS = "model/artifacts";
const fixtures = readdirSync(ARTIFACTS).flatMap((name) =>
  readdirSync(join(ARTIFACTS, name), { withFileTypes: true })
    .filter((d) => d.isDirectory() && readdirSync(join(ARTIFACTS, name, d.name)).includes("model.json"))
    .map((d) => `${name}/${d.name}`),
);

describe("bundled fixtures", () => {
  it("plans the dense models and leaves the others to TF.js", () => {
    const planned = fixtures.filter((f) => typeof prepare(artifactFiles(join(ARTIFACTS, f))) !== "string");
    expect(planned.sort()).toEqual([
      "flights/1",
      "flights/ablation-static-context",
      "tiny_graph/1",
      "tiny_graph/2",
      "tiny_layers/1",
      "tiny_layers/2",
    ]);
    // Refused from the topology alone, before any weight is decoded.
    expect(prepare(artifactFiles(join(ARTIFACTS, "tiny_text/1")))).toBe("op StringToHashBucketFast");
    expect(prepare(artifactFiles(join(ARTIFACTS, "tiny_detect/1")))).toBe("op NonMaxSuppressionV5");
  });

  for (const fixture of [
    "flights/1",
    "flights/ablation-static-context",
    "tiny_graph/1",
    "tiny_graph/2",
    "tiny_layers/1",
    "tiny_layers/2",
  ])
    it(`${fixture} answers as TF.js does, 1 to 1024 rows`, async () => {
      for (const rows of [1, 3, 4, 64, 1024])
        expect(await compare(artifactFiles(join(ARTIFACTS, fixture)), rows, rows)).toBeLessThanOrEqual(1);
    });

  it("serves the unplanned fixtures on TF.js, and large calls of planned ones through TF.js' own load", async () => {
    const text = await leanRuntime(tfjsRuntime).load(artifactFiles(join(ARTIFACTS, "tiny_text/1")), "t");
    expect(text.runtime).toBe("tfjs");
    text.dispose();
    let loads = 0;
    const counting = {
      id: "tfjs",
      load: (f: ReadonlyMap<string, ArrayBuffer>, l: string) => (loads++, tfjsRuntime.load(f, l)),
    };
    const flights = await leanRuntime(counting, { maxMacs: 10_000 }).load(
      artifactFiles(join(ARTIFACTS, "flights/1")),
      "f",
    );
    const small = randomInputs(flights.inputs, 2, 7);
    await flights.run(small, ["delay_probability"]);
    expect(loads).toBe(0);
    const large = randomInputs(flights.inputs, 64, 8);
    const viaTfjs = await flights.run(large, ["delay_probability"]);
    const reference = await tfjsRuntime.load(artifactFiles(join(ARTIFACTS, "flights/1")), "r");
    expect(viaTfjs).toEqual(await reference.run(large, ["delay_probability"]));
    await flights.run(large, ["delay_probability"]);
    expect(loads).toBe(1);
    flights.dispose();
    reference.dispose();
  });
});

describe("float16 weights", () => {
  it("decode as tfjs-core's io decodes them, for every one of the 65536 halves", () => {
    const halves = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const ours = halfToFloat(halves);
    const theirs = tf.io
      .decodeWeights(new Uint8Array(halves.buffer).buffer, [
        { name: "w", shape: [65536], dtype: "float32", quantization: { dtype: "float16" } },
      ])
      .w!.dataSync();
    for (let i = 0; i < 65536; i++)
      expect(Object.is(ours[i], theirs[i]) || (Number.isNaN(ours[i]) && Number.isNaN(theirs[i]))).toBe(true);
  });
});

const ACTIVATIONS = [
  "linear",
  "relu",
  "relu6",
  "sigmoid",
  "hardSigmoid",
  "tanh",
  "elu",
  "selu",
  "softplus",
  "softsign",
  "swish",
  "mish",
  "gelu",
  "softmax",
] as const;
type Block =
  | { kind: "dense"; units: number; activation: (typeof ACTIVATIONS)[number]; bias: boolean }
  | { kind: "batchnorm" | "dropout" | "flatten" | "reshape" | "residual" }
  | { kind: "activation"; activation: (typeof ACTIVATIONS)[number] };

const activationArb = fc.constantFrom(...ACTIVATIONS);
const blockArb: fc.Arbitrary<Block> = fc.oneof(
  fc.record({
    kind: fc.constant("dense" as const),
    units: fc.integer({ min: 1, max: 24 }),
    activation: activationArb,
    bias: fc.boolean(),
  }),
  fc.record({
    kind: fc.constantFrom(
      "batchnorm" as const,
      "dropout" as const,
      "flatten" as const,
      "reshape" as const,
      "residual" as const,
    ),
  }),
  fc.record({ kind: fc.constant("activation" as const), activation: activationArb }),
);
const modelArb = fc.record({
  inputs: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 }),
  blocks: fc.array(blockArb, { minLength: 0, maxLength: 5 }),
  head: fc.record({ units: fc.integer({ min: 1, max: 5 }), activation: activationArb }),
  sequential: fc.boolean(),
  quantization: fc.constantFrom<Quantization>("none", "uint8", "uint16", "float16"),
  rows: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 1024 })),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});

/** A tfjs-layers model of the drawn blocks, saved by tfjs-layers itself, weights quantized as drawn. */
type Drawn = typeof modelArb extends fc.Arbitrary<infer T> ? T : never;
async function build(m: Drawn) {
  let seed = m.seed;
  const init = (minval: number, maxval: number) => tf.initializers.randomUniform({ minval, maxval, seed: seed++ });
  const inputs = (m.sequential ? m.inputs.slice(0, 1) : m.inputs).map((w, i) =>
    tf.input({ shape: [w], name: `in${i}` }),
  );
  let x: tf.SymbolicTensor =
    inputs.length > 1 ? (tf.layers.concatenate().apply(inputs) as tf.SymbolicTensor) : inputs[0]!;
  const width = () => x.shape.at(-1) as number;
  const dense = (units: number, activation: string, useBias = true) =>
    tf.layers.dense({
      units,
      activation: activation as never,
      useBias,
      kernelInitializer: init(-0.6, 0.6),
      biasInitializer: init(-0.3, 0.3),
    });
  for (const block of m.blocks) {
    if (block.kind === "dense") x = dense(block.units, block.activation, block.bias).apply(x) as tf.SymbolicTensor;
    else if (block.kind === "activation")
      x = tf.layers.activation({ activation: block.activation as never }).apply(x) as tf.SymbolicTensor;
    else if (block.kind === "dropout") x = tf.layers.dropout({ rate: 0.5 }).apply(x) as tf.SymbolicTensor;
    else if (block.kind === "flatten") {
      if (x.shape.length === 2) x = tf.layers.reshape({ targetShape: [width(), 1] }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    } else if (block.kind === "reshape") {
      // Rank 2 to rank 3 (a Dense after it works on the last axis of each row's [w, 1]) and back.
      const size = (x.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
      const target = x.shape.length === 2 ? [size, 1] : [size];
      x = tf.layers.reshape({ targetShape: target }).apply(x) as tf.SymbolicTensor;
    } else if (block.kind === "batchnorm")
      x = tf.layers
        .batchNormalization({
          gammaInitializer: init(0.5, 1.5),
          betaInitializer: init(-0.5, 0.5),
          movingMeanInitializer: init(-0.5, 0.5),
          movingVarianceInitializer: init(0.5, 2),
        })
        .apply(x) as tf.SymbolicTensor;
    else if (!m.sequential)
      x = tf.layers.add().apply([x, dense(width(), "tanh").apply(x) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  }
  x = dense(m.head.units, m.head.activation).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs, outputs: x });
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  model.dispose();
  const weights = quantize(saved!.weightSpecs as never, saved!.weightData as ArrayBuffer, m.quantization);
  let topology = saved!.modelTopology as Record<string, unknown>;
  if (m.sequential) topology = asSequential(topology);
  const json = {
    format: "layers-model",
    modelTopology: topology,
    weightsManifest: [{ paths: ["w.bin"], weights: weights.specs }],
  };
  return new Map<string, ArrayBuffer>([
    ["model.json", new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer],
    ["w.bin", weights.data],
  ]);
}

/** The same chain as a Sequential config, its first layer carrying the input's batch shape (no InputLayer). */
function asSequential(topology: Record<string, unknown>): Record<string, unknown> {
  const config = topology.config as { layers: Array<{ class_name: string; config: Record<string, unknown> }> };
  const [input, ...rest] = config.layers;
  rest[0]!.config.batch_input_shape = input!.config.batch_input_shape;
  return {
    ...topology,
    class_name: "Sequential",
    config: { name: "seq", layers: rest.map(({ class_name, config: c }) => ({ class_name, config: c })) },
  };
}

describe("random layers-models", () => {
  // 4e-6: TF.js rounds every op to float32 (gelu alone is five ops) and sums in float32; the
  // largest difference seen over 1500 random models was 1.55e-6 (docs/performance.md).
  it("answer as TF.js does within 4e-6 (relative, absolute below 1)", async () => {
    await fc.assert(
      fc.asyncProperty(modelArb, async (m) => {
        const files = await build(m);
        // Sequential models stay on TF.js (src/runtime/lean/layers-plan.ts says why).
        if (m.sequential) expect(prepare(files)).toBe("a Sequential model");
        else expect(await compare(files, m.rows, m.seed, 4e-6)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 120 },
    );
  });
});
