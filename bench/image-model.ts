/**
 * A bench-only image model for v2 `infer`: a small seeded conv net in the tfjs converter's
 * layers-model layout (the same writer as the fixture models), input `image` float32
 * [-1, 224, 224, 3], output `probs` float32 [-1, 1000]. About 2.6 MB of float32 weights and
 * 0.18 GMAC per image: four 3x3 stride-2 convolutions (32, 64, 128, 256 filters, relu),
 * global average pooling, Dense(1000, softmax).
 *
 * It is written to dist/bench/artifacts (gitignored; not under model/artifacts), so the default Worker bundle
 * never carries it; the benchmark writes it on first use and builds a bench-only bundle with it.
 *
 *   tsx bench/image-model.ts     (re)writes dist/bench/artifacts/image_conv/1
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { writeManifest } from "../model/lib/artifacts.ts";
import { freshDir, writeLayersModel } from "../model/fixtures/models.ts";

export const IMAGE_MODEL = { name: "image_conv", version: 1, root: "dist/bench/artifacts", side: 224, classes: 1000 } as const;
export const imageModelDir = (root = IMAGE_MODEL.root) => join(root, IMAGE_MODEL.name, String(IMAGE_MODEL.version));

const SEED = 707;

export function buildImageModel(seed = SEED): tf.LayersModel {
  const image = tf.input({ shape: [IMAGE_MODEL.side, IMAGE_MODEL.side, 3], name: "image" });
  let x = image;
  [32, 64, 128, 256].forEach((filters, i) => {
    x = tf.layers
      .conv2d({
        filters,
        kernelSize: 3,
        strides: 2,
        padding: "same",
        activation: "relu",
        name: `conv${i + 1}`,
        kernelInitializer: tf.initializers.heNormal({ seed: seed + 2 * i }),
        biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.05, seed: seed + 2 * i + 1 }),
      })
      .apply(x) as tf.SymbolicTensor;
  });
  const pooled = tf.layers.globalAveragePooling2d({ name: "pool" }).apply(x) as tf.SymbolicTensor;
  const probs = tf.layers
    .dense({
      units: IMAGE_MODEL.classes,
      activation: "softmax",
      name: "probs",
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 100 }),
    })
    .apply(pooled) as tf.SymbolicTensor;
  return tf.model({ name: IMAGE_MODEL.name, inputs: image, outputs: probs });
}

/** Writes the model (model.json, 4 MiB shards, manifest.json) unless it is already there. */
export async function ensureImageModel(root = IMAGE_MODEL.root, force = false): Promise<string> {
  const dir = imageModelDir(root);
  if (!force && existsSync(join(dir, "manifest.json"))) return dir;
  await tf.setBackend("cpu");
  const model = buildImageModel();
  await freshDir(dir);
  await writeLayersModel(model, dir, {});
  model.dispose();
  await writeManifest(dir, {
    name: IMAGE_MODEL.name,
    version: IMAGE_MODEL.version,
    format: "layers-model",
    description: `Bench-only image model: seeded conv net (seed ${SEED}), 224x224x3 in, 1000 softmax out.`,
    signature: {
      inputs: [{ name: "image", tensor: "image", dtype: "float32", shape: [-1, IMAGE_MODEL.side, IMAGE_MODEL.side, 3] }],
      outputs: [{ name: "probs", tensor: "probs", dtype: "float32", shape: [-1, IMAGE_MODEL.classes] }],
    },
  });
  return dir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(`wrote ${await ensureImageModel(IMAGE_MODEL.root, true)}`);
}
