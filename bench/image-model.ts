/**
 * The benchmark's image model for v2 `infer`: a model the official TensorFlow.js converter
 * produced, not one this repo wrote. It is MobileNetV2 from the npm package nsfwjs (MIT), as
 * `npm run model:converter-sample` extracts it (model/converter/extract.ts): a layers-model the
 * tfjs-converter wrote from Keras 2.2.4, uint8-quantized weights in one 2.6 MB shard
 * (`group1-shard1of1`, no extension), input `input_1` float32 [-1, 224, 224, 3], output `dense_3`
 * float32 [-1, 5] (softmax over nsfwjs' five classes).
 *
 * The manifest.json is written as `npm run models -- publish` writes one for a directory without
 * it: the signature is the model's own, read by loading it with the Worker's loader (public name
 * = tensor name, so clients, the Node peer and the in-process run all say `input_1` / `dense_3`),
 * plus the sha256 of every file (model/lib/artifacts.ts writeManifest).
 *
 * It is written to dist/bench/artifacts (gitignored; not under model/artifacts), so the default
 * Worker bundle never carries it; the benchmark writes it on first use and builds a bench-only
 * bundle with it.
 *
 *   tsx bench/image-model.ts     (re)writes dist/bench/artifacts/mobilenet_v2/1
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { MANIFEST_JSON, readModelDir, writeManifest } from "../model/lib/artifacts.ts";

export const IMAGE_MODEL = {
  name: "mobilenet_v2",
  version: 1,
  root: "dist/bench/artifacts",
  side: 224,
  classes: 5,
  /** One line for the bench output, results.json and the README. */
  description: "MobileNetV2 from nsfwjs, converter-produced (tfjs-converter from Keras 2.2.4), uint8-quantized, 2.6 MB",
} as const;
export const imageModelDir = (root = IMAGE_MODEL.root) => join(root, IMAGE_MODEL.name, String(IMAGE_MODEL.version));

/** The model's own signature, as the Worker's loader (src/runtime/tfjs/model.ts) reads it on the cpu backend. */
async function modelSignature(dir: string) {
  const { ensureBackend } = await import("../src/runtime/tfjs/backend.ts");
  const { loadModel } = await import("../src/runtime/tfjs/model.ts");
  const tf = await import("@tensorflow/tfjs-core");
  tf.env().set("PROD", true); // no "use tfjs-node" banner, as in `npm run models -- publish`
  await ensureBackend("cpu");
  const { modelJson, shards } = await readModelDir(dir);
  const buffers = new Map(shards.map((s) => [s.path, s.data.slice().buffer as ArrayBuffer]));
  const model = await loadModel(modelJson as unknown as Parameters<typeof loadModel>[0], buffers, dir);
  try {
    const withTensor = <T extends { name: string }>(s: T) => ({ ...s, tensor: s.name });
    return { inputs: model.inputs.map(withTensor), outputs: model.outputs.map(withTensor) };
  } finally {
    model.dispose();
  }
}

/**
 * Extracts the converter sample into the bench's model directory and writes its manifest.json,
 * unless a manifest for this model is already there. Returns the directory.
 */
export async function ensureImageModel(root = IMAGE_MODEL.root, force = false): Promise<string> {
  const dir = imageModelDir(root);
  const manifestPath = join(dir, MANIFEST_JSON);
  if (
    !force &&
    existsSync(manifestPath) &&
    (JSON.parse(readFileSync(manifestPath, "utf8")) as { name?: string }).name === IMAGE_MODEL.name
  )
    return dir;
  // The extractor replaces model.json and the shard and removes any manifest.json.
  execFileSync(process.execPath, ["--import", "tsx", "model/converter/extract.ts", "--out", dir], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const signature = await modelSignature(dir);
  const [input, output] = [signature.inputs[0], signature.outputs[0]];
  const expected = `input [-1,${IMAGE_MODEL.side},${IMAGE_MODEL.side},3], output [-1,${IMAGE_MODEL.classes}]`;
  if (
    signature.inputs.length !== 1 ||
    signature.outputs.length !== 1 ||
    `input [${input!.shape}], output [${output!.shape}]` !== expected
  ) {
    throw new Error(
      `${dir}: the converter sample's signature is ${JSON.stringify(signature)}, expected one ${expected}`,
    );
  }
  await writeManifest(dir, {
    name: IMAGE_MODEL.name,
    version: IMAGE_MODEL.version,
    format: "layers-model",
    description: `Bench-only: ${IMAGE_MODEL.description}; npm run model:converter-sample.`,
    signature,
  });
  return dir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(`wrote ${await ensureImageModel(IMAGE_MODEL.root, true)}: ${IMAGE_MODEL.description}`);
}
