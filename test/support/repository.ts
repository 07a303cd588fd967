/**
 * Publishing into the model repository from inside a test: copies a bundled fixture's files into
 * R2 under another name/version and writes the pointer record, the layout `npm run models --
 * publish` writes (core/models/record.ts). The version identity is computed here with node:crypto,
 * independently of src/core/models/identity.ts, from its documented definition (docs/model-repository.md).
 */
import { createHash } from "node:crypto";

/** A fixture version's files by name (model.json, shards, manifest.json). */
export type FixtureLoader = (model: string, version: number) => Record<string, ArrayBuffer>;

export interface Published {
  /** Published version → the bundled fixture version its files come from. */
  versions: Record<number, { from: { model: string; version: number } }>;
  labels?: Record<string, number>;
  canary_percent?: number;
}

const sha256 = (data: ArrayBuffer | string) =>
  createHash("sha256")
    .update(typeof data === "string" ? data : new Uint8Array(data))
    .digest("hex");

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON with keys sorted at every depth, no whitespace. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  if (value && typeof value === "object") {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson(object[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A version's identity from its manifest (as written): sha256 over the sorted "<file> <sha256>\n"
 * lines of `files`, then "manifest <sha256 of the manifest without files, name, version and
 * created, keys sorted, no whitespace>\n".
 */
export function identityOfManifest(manifest: { files: Record<string, string> } & Record<string, unknown>): string {
  const lines = Object.keys(manifest.files)
    .sort()
    .map((name) => `${name} ${manifest.files[name]}\n`)
    .join("");
  const { files: _files, name: _name, version: _version, created: _created, ...answering } = manifest;
  return sha256(`${lines}manifest ${sha256(sortedJson(answering))}\n`);
}

/** The identity of a version's files (model.json, shards, manifest.json). */
export function identityOf(files: Record<string, ArrayBuffer>): string {
  return identityOfManifest(JSON.parse(decoder.decode(files["manifest.json"])));
}

/**
 * A fixture's files made into a distinct artifact: model.json gains a `publishedAs` field (TF.js
 * ignores it), so its sha256 and the artifact identity differ per name and version, and an
 * isolate's memo of another test's model can never stand in for this one.
 */
export function distinctFiles(
  load: FixtureLoader,
  model: string,
  version: number,
  publishedAs: string,
): Record<string, ArrayBuffer> {
  const files = { ...load(model, version) };
  const modelJson = encoder.encode(JSON.stringify({ ...JSON.parse(decoder.decode(files["model.json"])), publishedAs }))
    .buffer as ArrayBuffer;
  const manifest = JSON.parse(decoder.decode(files["manifest.json"])) as { files: Record<string, string> };
  manifest.files["model.json"] = sha256(modelJson);
  files["model.json"] = modelJson;
  files["manifest.json"] = encoder.encode(JSON.stringify(manifest)).buffer as ArrayBuffer;
  return files;
}

/** The bucket and namespace calls publishing needs (Workers bindings or Miniflare's Node proxies). */
export interface Stores {
  kv: { put(key: string, value: string): Promise<unknown> };
  bucket: { put(key: string, value: ArrayBuffer | Uint8Array): Promise<unknown> };
  load: FixtureLoader;
}

export async function publish({ kv, bucket, load }: Stores, name: string, spec: Published): Promise<void> {
  const versions: Record<string, { sha256: string }> = {};
  for (const [version, { from }] of Object.entries(spec.versions)) {
    const files = distinctFiles(load, from.model, from.version, `${name}/${version}`);
    for (const [file, bytes] of Object.entries(files)) await bucket.put(`models/${name}/${version}/${file}`, bytes);
    versions[version] = { sha256: identityOf(files) };
  }
  await kv.put(
    `model:${name}`,
    JSON.stringify({ versions, labels: spec.labels ?? {}, canary_percent: spec.canary_percent ?? 0 }),
  );
}

/** The same files with manifest.json edited (the weights and model.json untouched). */
export function withManifest(
  files: Record<string, ArrayBuffer>,
  edit: (manifest: Record<string, unknown> & { signature: { outputs: Array<{ name: string }> } }) => void,
): Record<string, ArrayBuffer> {
  const manifest = JSON.parse(decoder.decode(files["manifest.json"]));
  edit(manifest);
  return { ...files, "manifest.json": encoder.encode(JSON.stringify(manifest)).buffer as ArrayBuffer };
}

/** Publishes versions given by their files as they are (no `publishedAs`), with the record naming their identities. */
export async function publishFiles(
  { kv, bucket }: Omit<Stores, "load">,
  name: string,
  versions: Record<number, Record<string, ArrayBuffer>>,
  labels: Record<string, number> = {},
): Promise<void> {
  const record: Record<string, { sha256: string }> = {};
  for (const [version, files] of Object.entries(versions)) {
    for (const [file, bytes] of Object.entries(files)) await bucket.put(`models/${name}/${version}/${file}`, bytes);
    record[version] = { sha256: identityOf(files) };
  }
  await kv.put(`model:${name}`, JSON.stringify({ versions: record, labels, canary_percent: 0 }));
}

/** The documented canary split: sha256("<model>\n<key>"), first 4 bytes big-endian, scaled to [0, 100). */
export function bucketOf(model: string, key: string): number {
  return (parseInt(sha256(`${model}\n${key}`).slice(0, 8), 16) / 2 ** 32) * 100;
}

/** Removes a published version's files from this location's Cache API (as if in a new location). */
export async function forgetCached(cache: Cache, files: Record<string, ArrayBuffer>): Promise<void> {
  const manifest = JSON.parse(decoder.decode(files["manifest.json"])) as { files: Record<string, string> };
  for (const sha of Object.values(manifest.files))
    await cache.delete(`https://artifacts.stateless-serve.internal/sha256/${sha}`);
}
