/**
 * The checks `publish` makes on a model directory before anything is written anywhere: model.json
 * parses and is a format the Worker serves (layers-model or graph-model), its weights use dtypes
 * and quantizations TF.js decodes, every shard is present with the byte length its weights need
 * (model/lib/artifacts.ts readModelDir), and an existing manifest.json agrees with the files.
 */

import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { artifactFiles, MANIFEST_JSON, MODEL_JSON, type ModelDir, readModelDir } from "../../model/lib/artifacts.ts";
import { contextPipeline } from "../../src/core/context/pipeline.ts";
import { type Manifest, ManifestSchema } from "../../src/core/models/manifest.ts";
import type { ModelFormat } from "../../src/core/tensors/spec.ts";
import { detectFormat } from "../../src/runtime/tfjs/model.ts";
import { CliError } from "./cli-error.ts";

/** Weight dtypes the Worker decodes, and the quantized forms the converter writes (--quantize_uint8/uint16/float16). */
const WEIGHT_DTYPES = new Set(["float32", "int32", "bool", "string"]);
const QUANTIZED_DTYPES = new Set(["uint8", "uint16", "float16"]);

export interface ArtifactFile {
  name: string;
  bytes: Uint8Array;
  sha256: string;
}

export interface CheckedDir {
  dir: string;
  format: ModelFormat;
  model: ModelDir;
  /** model.json, then every shard in manifest order: the version's artifact files. */
  files: ArtifactFile[];
  /** One line describing the weights, e.g. "266 weights (float32, uint8-quantized) in 1 shard". */
  summary: string;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const refuse = (dir: string, why: string) => new CliError(`refused ${dir}: ${why}. Nothing was written.`);

export async function checkModelDir(dir: string): Promise<CheckedDir> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw refuse(dir, "not a directory");
  if (!existsSync(join(dir, MODEL_JSON)))
    throw refuse(
      dir,
      `no ${MODEL_JSON} in it (a TF.js converter output directory holds model.json and its weight shards)`,
    );
  let model: ModelDir;
  try {
    model = await readModelDir(dir);
  } catch (err) {
    throw refuse(dir, (err as Error).message);
  }
  let format: ModelFormat;
  try {
    format = detectFormat(model.modelJson as unknown as Parameters<typeof detectFormat>[0], join(dir, MODEL_JSON));
  } catch (err) {
    throw refuse(dir, `${(err as Error).message}; the Worker serves layers-models and graph-models`);
  }
  const kinds = new Set<string>();
  for (const spec of model.weightSpecs) {
    if (!WEIGHT_DTYPES.has(spec.dtype))
      throw refuse(
        dir,
        `weight "${spec.name}" has dtype "${spec.dtype}", which the Worker does not serve (${[...WEIGHT_DTYPES].join(", ")})`,
      );
    const q = spec.quantization?.dtype;
    if (q !== undefined && !QUANTIZED_DTYPES.has(q))
      throw refuse(
        dir,
        `weight "${spec.name}" is quantized to "${q}" (TF.js decodes ${[...QUANTIZED_DTYPES].join(", ")})`,
      );
    kinds.add(q ? `${q}-quantized` : spec.dtype);
  }
  const modelJsonBytes = new Uint8Array(await readFile(join(dir, MODEL_JSON)));
  const files: ArtifactFile[] = [
    { name: MODEL_JSON, bytes: modelJsonBytes, sha256: sha256(modelJsonBytes) },
    ...model.shards.map((s) => ({ name: s.path, bytes: s.data, sha256: sha256(s.data) })),
  ];
  const shards = model.shards.length;
  const summary = `${model.weightSpecs.length} weights (${[...kinds].sort().join(", ") || "none"}) in ${shards} shard${shards === 1 ? "" : "s"}`;
  return { dir, format, model, files, summary };
}

/**
 * The directory's manifest.json, when it has one, checked against the files and the command line:
 * a manifest for another name or version, or whose hashes disagree with the files, is refused.
 */
export async function readExistingManifest(
  checked: CheckedDir,
  name: string,
  version: number,
): Promise<{ manifest: Manifest; bytes: Uint8Array } | undefined> {
  const { dir } = checked;
  const path = join(dir, MANIFEST_JSON);
  if (!existsSync(path)) return undefined;
  const bytes = new Uint8Array(await readFile(path));
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw refuse(
      dir,
      `${MANIFEST_JSON} is not JSON (${(err as Error).message}); fix it, or delete it to have publish write one`,
    );
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw refuse(
      dir,
      `${MANIFEST_JSON} does not match the manifest schema (${issues}); fix it, or delete it to have publish write one`,
    );
  }
  const manifest = parsed.data;
  if (manifest.context && !manifest.preprocess) {
    try {
      contextPipeline(manifest.context, manifest.signature, `${name} version ${version}`);
    } catch (err) {
      throw refuse(dir, `its ${MANIFEST_JSON} context section does not fit the model: ${(err as Error).message}`);
    }
  }
  if (manifest.name !== name || manifest.version !== version) {
    throw refuse(
      dir,
      `its ${MANIFEST_JSON} is for ${manifest.name} version ${manifest.version}, not ${name} version ${version}; ` +
        `publish with --name ${manifest.name} --version ${manifest.version}, or edit its "name"/"version", or delete it to have publish write one`,
    );
  }
  if (manifest.format !== checked.format)
    throw refuse(dir, `its ${MANIFEST_JSON} says format "${manifest.format}", but model.json is a ${checked.format}`);
  const expected = artifactFiles(checked.model.modelJson);
  const listed = Object.keys(manifest.files);
  const missing = expected.filter((f) => !listed.includes(f));
  const extra = listed.filter((f) => !expected.includes(f));
  if (missing.length || extra.length) {
    const parts = [
      missing.length ? `does not list ${missing.join(", ")}` : "",
      extra.length ? `lists ${extra.join(", ")}, which model.json does not name` : "",
    ];
    throw refuse(
      dir,
      `its ${MANIFEST_JSON} ${parts.filter(Boolean).join(" and ")}; delete it to have publish write one`,
    );
  }
  for (const file of checked.files) {
    const said = manifest.files[file.name]!;
    if (said !== file.sha256) {
      throw refuse(
        dir,
        `${file.name} has sha256 ${file.sha256.slice(0, 12)}…, but its ${MANIFEST_JSON} says ${said.slice(0, 12)}… ` +
          `(the file changed after the manifest was written); restore the file, or delete ${MANIFEST_JSON} to have publish write a new one`,
      );
    }
  }
  return { manifest, bytes };
}
