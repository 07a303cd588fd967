/**
 * Model artifact files on disk: a version directory holds `model.json` (TF.js
 * layers-model or graph-model, as the tfjs converter writes it), the weight shards
 * its `weightsManifest` names, and our `manifest.json`.
 *
 * Used by the fixture generator and (later) the publish CLI. Node-only; TF.js is
 * imported for its types alone, so nothing here loads or runs a model.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { io } from "@tensorflow/tfjs-core";
import type { ManifestInput } from "../../src/core/models/manifest.ts";

export const MODEL_JSON = "model.json";
export const MANIFEST_JSON = "manifest.json";

/** Bytes per stored value, by weight dtype or quantization dtype (strings are variable). */
const BYTES_PER_VALUE: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};
const STRING_LENGTH_BYTES = 4;

/** Lowercase hex sha256 of a file's bytes (streamed, so large shards are fine). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** A parsed and validated model directory. */
export interface ModelDir {
  dir: string;
  /** model.json as parsed (layers-model or graph-model). */
  modelJson: io.ModelJSON;
  /** Every weight shard named by the manifest, in manifest order (group by group, path by path). */
  shards: { path: string; data: Uint8Array }[];
  /** All weight specs, flattened in manifest order. */
  weightSpecs: io.WeightsManifestEntry[];
  /** All shards concatenated, in manifest order: what `tf.io.decodeWeights` expects. */
  weightData: ArrayBuffer;
}

/** The artifact file names of a model: model.json, then each shard in manifest order. */
export function artifactFiles(modelJson: io.ModelJSON): string[] {
  return [MODEL_JSON, ...modelJson.weightsManifest.flatMap((group) => group.paths)];
}

/**
 * Reads `dir/model.json` and the shards it names, validating that each shard exists,
 * that shard paths are plain file names inside `dir`, and that each weight group's
 * shards together hold exactly the bytes its weight specs need.
 */
export async function readModelDir(dir: string): Promise<ModelDir> {
  const where = join(dir, MODEL_JSON);
  let modelJson: io.ModelJSON;
  try {
    modelJson = JSON.parse(await readFile(where, "utf8")) as io.ModelJSON;
  } catch (err) {
    throw new Error(`${where}: cannot read model.json: ${(err as Error).message}`);
  }
  if (modelJson === null || typeof modelJson !== "object") throw new Error(`${where}: not a JSON object`);
  if (modelJson.modelTopology == null) throw new Error(`${where}: missing "modelTopology"`);
  if (!Array.isArray(modelJson.weightsManifest)) throw new Error(`${where}: missing "weightsManifest" array`);

  const shards: ModelDir["shards"] = [];
  const weightSpecs: io.WeightsManifestEntry[] = [];
  for (const [g, group] of modelJson.weightsManifest.entries()) {
    const label = `${where}: weightsManifest[${g}]`;
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error(`${label}: needs "paths" and "weights" arrays`);
    }
    const groupShards: Uint8Array[] = [];
    for (const path of group.paths) {
      if (typeof path !== "string" || path === "" || /[\\/]/.test(path) || path === "." || path === "..") {
        throw new Error(
          `${label}: shard path ${JSON.stringify(path)} must be a plain file name in the model directory`,
        );
      }
      let data: Buffer;
      try {
        data = await readFile(join(dir, path));
      } catch (err) {
        throw new Error(`${label}: cannot read shard "${path}": ${(err as Error).message}`);
      }
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      groupShards.push(bytes);
      shards.push({ path, data: bytes });
    }
    const groupData = concatBytes(groupShards);
    const expected = groupByteLength(group.weights, groupData, label);
    if (expected !== groupData.byteLength) {
      const detail = group.weights.map((w) => `${w.name} ${w.quantization?.dtype ?? w.dtype} [${w.shape.join(",")}]`);
      throw new Error(
        `${label}: shards [${group.paths.join(", ")}] hold ${groupData.byteLength} bytes, ` +
          `but the weights need ${expected} bytes (${detail.join("; ")})`,
      );
    }
    weightSpecs.push(...group.weights);
  }
  const all = concatBytes(shards.map((s) => s.data));
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return { dir, modelJson, shards, weightSpecs, weightData };
}

/**
 * Writes `dir/manifest.json`: the given manifest plus `files`, the sha256 of
 * model.json and of every shard its weightsManifest names (manifest.json itself is
 * not an artifact). Validates the model directory first (see `readModelDir`); the
 * manifest's shape is checked by its type (`ManifestSchema` in src/core/tensors/spec.ts is
 * imported as a type only, so this module stays independent of the serving code).
 * Returns the manifest as written.
 */
export async function writeManifest(dir: string, manifest: Omit<ManifestInput, "files">): Promise<ManifestInput> {
  const { modelJson } = await readModelDir(dir);
  const files: Record<string, string> = {};
  for (const name of artifactFiles(modelJson)) files[name] = await sha256File(join(dir, name));
  const full: ManifestInput = { ...manifest, files };
  await writeFile(join(dir, MANIFEST_JSON), JSON.stringify(full, null, 2) + "\n");
  return full;
}

/**
 * Byte length of one group's weights as `tf.io.decodeWeights` reads them: quantized
 * weights take their quantization dtype's size, strings are walked (each value is a
 * little-endian uint32 byte length followed by the bytes).
 */
function groupByteLength(weights: io.WeightsManifestEntry[], data: Uint8Array, label: string): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  for (const spec of weights) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.quantization == null && spec.dtype === "string") {
      for (let i = 0; i < size; i++) {
        if (offset + STRING_LENGTH_BYTES > data.byteLength) {
          throw new Error(`${label}: string weight "${spec.name}" runs past the end of its shards`);
        }
        offset += STRING_LENGTH_BYTES + view.getUint32(offset, true);
      }
      continue;
    }
    const storedAs = spec.quantization?.dtype ?? spec.dtype;
    const perValue = BYTES_PER_VALUE[storedAs];
    if (perValue === undefined) throw new Error(`${label}: weight "${spec.name}" has unsupported dtype "${storedAs}"`);
    offset += size * perValue;
  }
  return offset;
}

/** Concatenates byte arrays (weight shards, quantized weights). */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
