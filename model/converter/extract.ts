/**
 * `npm run model:converter-sample [-- --out DIR]`: writes a model directory produced by the
 * official TensorFlow.js converter, which nobody in this repo wrote, for `npm run models -- publish`.
 *
 * The model: the MobileNetV2 image classifier (224×224×3 float32 in, 5 class probabilities out)
 * shipped by the npm package nsfwjs (MIT, Infinite Red; trained by GantMan/nsfw_model). The
 * tfjs-converter wrote it from Keras 2.2.4: a layers-model with uint8-quantized weights in one
 * 2.6 MB shard. nsfwjs wraps each file as a JS module: model.min.js exports the model.json
 * object, group1-shard1of1.min.js the shard as base64. This script unwraps them into the
 * converter's own layout, model.json + group1-shard1of1, with no manifest.json:
 *   - the shard's bytes are exactly the converter's (base64 is lossless);
 *   - model.json is re-serialised (JSON.stringify of the exported object): same content, but
 *     its whitespace and number spelling need not match the converter's original file byte for byte.
 * Nothing is downloaded; the files come from node_modules. The output is not committed (dist/).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { exitOnHelp } from "../../scripts/help.ts";

const DEFAULT_OUT = "dist/converter/mobilenet_v2";
const MODEL = "mobilenet_v2";
const SHARD = "group1-shard1of1";

exitOnHelp({
  script: "model:converter-sample",
  args: "[-- --out DIR]",
  summary: `Writes the MobileNetV2 classifier that the official TF.js converter produced from Keras 2.2.4
(shipped in the npm package nsfwjs, MIT) as a converter output directory: model.json and the weight
shard group1-shard1of1 (layers-model, uint8-quantized, input [-1,224,224,3] float32, 5 outputs).
The shard is byte-exact from the converter; model.json is re-serialised from the packaged object.
DIR's model.json, shard and manifest.json are replaced. Nothing is downloaded.`,
  options: [["--out DIR", `where to write (default ${DEFAULT_OUT})`]],
  examples: [
    "npm run model:converter-sample",
    "npm run models -- publish dist/converter/mobilenet_v2 --name mobilenet_v2 --version 1 --label stable",
  ],
});

const { values } = parseArgs({
  options: { out: { type: "string", default: DEFAULT_OUT }, help: { type: "boolean", short: "h" } },
});
const out = values.out;

/** nsfwjs' package directory (its exports map hides dist/models/, so its files are required by path). */
function packageDir(): string {
  let dir = dirname(createRequire(import.meta.url).resolve("nsfwjs"));
  while (
    !existsSync(join(dir, "package.json")) ||
    (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string }).name !== "nsfwjs"
  ) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the nsfwjs package directory (npm install)");
    dir = up;
  }
  return dir;
}

const root = packageDir();
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
const load = createRequire(join(root, "package.json"));
const unwrap = (m: unknown) =>
  m !== null && typeof m === "object" && "default" in m ? (m as { default: unknown }).default : m;
const modelJson = unwrap(load(join(root, "dist/models", MODEL, "model.min.js"))) as {
  modelTopology?: unknown;
  weightsManifest?: Array<{ paths: string[] }>;
};
const shardBase64 = unwrap(load(join(root, "dist/models", MODEL, `${SHARD}.min.js`)));
if (typeof shardBase64 !== "string" || modelJson?.modelTopology === undefined) {
  throw new Error(`nsfwjs ${version}: ${MODEL}'s modules no longer hold a model.json object and a base64 shard`);
}
const paths = modelJson.weightsManifest?.flatMap((g) => g.paths) ?? [];
if (paths.length !== 1 || paths[0] !== SHARD)
  throw new Error(`nsfwjs ${version}: ${MODEL}'s model.json names shards [${paths.join(", ")}], expected [${SHARD}]`);

const files: Array<[string, Buffer]> = [
  ["model.json", Buffer.from(JSON.stringify(modelJson))],
  [SHARD, Buffer.from(shardBase64, "base64")],
];
await mkdir(out, { recursive: true });
await rm(join(out, "manifest.json"), { force: true }); // a manifest from an earlier publish; publish writes a fresh one
for (const [name, bytes] of files) {
  await writeFile(join(out, name), bytes);
  const sha = createHash("sha256").update(bytes).digest("hex");
  console.log(`wrote ${join(out, name)}: ${bytes.byteLength} bytes, sha256 ${sha.slice(0, 12)}…`);
}
console.log(`from nsfwjs ${version} (${relative(process.cwd(), root)}); publish it with:`);
console.log(`  npm run models -- publish ${out} --name ${MODEL} --version 1 --label stable`);
