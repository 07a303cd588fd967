/**
 * Graph models in the TF.js runtime (Node, cpu backend): a converter-format model with control
 * flow and dynamic-shape ops (model/artifacts/tiny_detect: NonMaxSuppressionV5, Where, a while
 * loop) is detected at load and run with executeAsync, matching the reference outputs computed by
 * @tensorflow/tfjs itself (test/fixtures/reference.json); outputs whose shape the signature leaves
 * out are reported with the rank the model really has, -1 where a dimension varies.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { ManifestSchema } from "../../src/core/models/manifest.ts";
import { Registry } from "../../src/core/models/registry.ts";
import type { ModelSource } from "../../src/core/models/source.ts";
import { modelMetadata } from "../../src/core/serving/metadata.ts";
import { DEFAULT_LIMITS } from "../../src/core/tensors/tensors.ts";
import { loadModel, needsExecuteAsync, parseModelJson, shardPaths, tfjsRuntime } from "../../src/runtime/tfjs/model.ts";
import { expectClose, REFERENCE } from "../support/reference.ts";

const dirOf = (name: string, version = 1) => join("model/artifacts", name, String(version));

async function load(dir: string, edit: (json: Record<string, any>) => void = () => undefined) {
  const bytes = readFileSync(join(dir, "model.json"));
  const json = parseModelJson(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), dir);
  edit(json as Record<string, any>);
  const shards = new Map<string, ArrayBuffer>();
  for (const path of shardPaths(json)) {
    const b = readFileSync(join(dir, path));
    shards.set(path, b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  return { json, model: await loadModel(json, shards, dir) };
}

beforeAll(async () => {
  await tf.setBackend("cpu");
  await tf.ready();
});

describe("graph models that need executeAsync", () => {
  it("are detected from their ops at load", async () => {
    expect(needsExecuteAsync((await load(dirOf("tiny_detect"))).json)).toBe(true);
    for (const name of ["tiny_graph", "tiny_text"])
      expect(needsExecuteAsync((await load(dirOf(name))).json)).toBe(false);
  });

  const reference = REFERENCE.models.find((m) => m.name === "tiny_detect")!;
  it.each(reference.cases.map((c) => [c.name, c] as const))(
    "run %s like TF.js does, leaking no tensor",
    async (_n, c) => {
      const { model } = await load(dirOf("tiny_detect"));
      const tensors = {
        Identity: "selected_boxes",
        Identity_1: "selected_scores",
        Identity_2: "above",
        Identity_3: "scaled",
      };
      const before = tf.memory().numTensors;
      const out = await model.run(
        {
          boxes: {
            dtype: "float32",
            shape: [(c.inputs.boxes as number[][]).length, 4],
            values: Float32Array.from((c.inputs.boxes as number[][]).flat()),
          },
          scores: {
            dtype: "float32",
            shape: [(c.inputs.scores as number[]).length],
            values: Float32Array.from(c.inputs.scores as number[]),
          },
        },
        Object.keys(tensors),
      );
      expect(tf.memory().numTensors).toBe(before);
      for (const [tensor, name] of Object.entries(tensors)) {
        const expected = c.outputs[name] as unknown[];
        const got = out[tensor]!;
        expect(got.shape[0]).toBe(expected.length);
        expectClose(Array.from(got.values as ArrayLike<number>), expected.flat(), REFERENCE.tolerance, name);
      }
      expect(out.Identity_2!.dtype).toBe("int32");
      model.dispose();
    },
  );
});

it("leave no tensor behind when a run fails", async () => {
  const { model } = await load(dirOf("tiny_detect"));
  const before = tf.memory().numTensors;
  const bad = model.run(
    {
      boxes: { dtype: "float32", shape: [2, 3], values: new Float32Array(6) },
      scores: { dtype: "float32", shape: [2], values: new Float32Array(2) },
    },
    ["Identity", "Identity_3"],
  );
  await expect(bad).rejects.toThrow();
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
});

describe("output shapes a graph signature leaves out", () => {
  it("are learned at load: the real rank, -1 where the dimension varies, and the real dtype", async () => {
    const { model } = await load(dirOf("tiny_detect"));
    expect(model.outputs).toEqual([
      { name: "Identity", dtype: "float32", shape: [-1, 4] },
      { name: "Identity_1", dtype: "float32", shape: [-1] },
      { name: "Identity_2", dtype: "int32", shape: [-1, 1] },
      { name: "Identity_3", dtype: "float32", shape: [-1] },
    ]);
    model.dispose();
  });

  it("follow the batch in a model without dynamic ops, and keep the fixed dimensions", async () => {
    // tiny_text with its signature's output shapes removed, as the converter writes them when unknown.
    const { model } = await load(dirOf("tiny_text"), (json) => {
      for (const info of Object.values(json.signature.outputs) as Array<Record<string, unknown>>) {
        delete info.tensorShape;
        delete info.dtype;
      }
    });
    expect(model.outputs).toEqual([
      { name: "Identity", dtype: "float32", shape: [-1, 2] },
      { name: "Identity_1", dtype: "int32", shape: [-1] },
    ]);
    model.dispose();
  });

  it("keep what the signature says when it says it", async () => {
    const { model } = await load(dirOf("tiny_graph"));
    expect(model.outputs).toEqual([{ name: "Identity", dtype: "float32", shape: [-1, 1] }]);
    model.dispose();
  });
});

/** tiny_detect's files, optionally with its model.json edited and its manifest, as a source serves them. */
function detectSource(edit?: (json: Record<string, any>) => void, withManifest = false): ModelSource {
  const dir = dirOf("tiny_detect");
  const bytesOf = (name: string) => {
    const b = readFileSync(join(dir, name));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  return {
    kind: "fake",
    index: async () => [{ name: "tiny_detect", versions: [1], labels: {} }],
    async open() {
      const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
      edit?.(json);
      const files = new Map<string, ArrayBuffer>([
        ["model.json", new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer],
        ["group1-shard1of1.bin", bytesOf("group1-shard1of1.bin")],
      ]);
      if (!withManifest) return { files };
      const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
      return { files, manifest: { ...manifest, files: {} } };
    },
  };
}
const context = { getMany: async () => ({ values: new Map(), degraded: false }) };
const depsOf = (source: ModelSource) => ({
  registry: new Registry([source], { memo: false, runtime: tfjsRuntime, pipelines: {} }),
  context,
  limits: DEFAULT_LIMITS,
});
/** Boxes of 3 columns: non-max suppression refuses them, so no warm-up on zeros can run. */
const threeColumnBoxes = (json: Record<string, any>) => {
  const boxes = json.modelTopology.node.find((n: { name: string }) => n.name === "boxes");
  boxes.attr.shape.shape.dim[1].size = "3";
};

describe("v2 model metadata of a graph model published without a manifest", () => {
  it("reports the outputs' real ranks (it said [], a scalar, before)", async () => {
    const meta = await modelMetadata(depsOf(detectSource()), { name: "tiny_detect" });
    expect(meta.outputs).toEqual([
      { name: "Identity", datatype: "FP32", shape: [-1, 4] },
      { name: "Identity_1", datatype: "FP32", shape: [-1] },
      { name: "Identity_2", datatype: "INT32", shape: [-1, 1] },
      { name: "Identity_3", datatype: "FP32", shape: [-1] },
    ]);
  });

  it("is not ready, saying why, when the shapes can be neither read nor learned", async () => {
    const { model } = await load(dirOf("tiny_detect"), threeColumnBoxes);
    expect(model.unknownShapes?.outputs).toEqual(["Identity", "Identity_1", "Identity_2", "Identity_3"]);
    model.dispose();
    const err = await modelMetadata(depsOf(detectSource(threeColumnBoxes)), { name: "tiny_detect" }).catch((e) => e);
    expect(err.status).toBe(503);
    expect(err.message).toMatch(
      /does not say the shape of output 'Identity', .*a warm-up run on zeros to learn it failed.*publish it with a manifest\.json that gives the shapes/,
    );
  });

  it("serves the manifest's shapes when it has a manifest", async () => {
    const meta = await modelMetadata(depsOf(detectSource(threeColumnBoxes, true)), { name: "tiny_detect" });
    expect(meta.outputs.map((o) => o.shape)).toEqual([[-1, 4], [-1], [-1, 1], [-1]]);
  });
});
