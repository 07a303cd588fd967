/**
 * `publish <dir> --name N --version V [--label L]`: validates the directory, loads and runs it with
 * TF.js, refuses a version that exists, writes manifest.json when the directory has none, uploads
 * the shards, model.json and manifest.json to R2 under models/N/V/, and writes the pointer record
 * last. Until that last write the version is invisible to the Worker, so a refused directory
 * writes nothing and a failed upload leaves the repository as it was (stray objects aside, which
 * the next attempt overwrites).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MANIFEST_JSON, MODEL_JSON } from "../../model/lib/artifacts.ts";
import { artifactPrefix } from "../../src/adapters/r2/layout.ts";
import { versionIdentity } from "../../src/core/models/identity.ts";
import type { Manifest, ManifestInput } from "../../src/core/models/manifest.ts";
import { type ModelRecord, recordKey } from "../../src/core/models/record.ts";
import { streamLookupProblems } from "../../src/core/streams/lookup-check.ts";
import { StreamSchema } from "../../src/core/streams/spec.ts";
import { bundledVersions } from "./bundled.ts";
import { CliError } from "./cli-error.ts";
import { formatBytes, formatSeconds, formatShape, shortSha } from "./format.ts";
import { type CheckedDir, checkModelDir, readExistingManifest } from "./model-dir.ts";
import { emptyRecord, parseRecord, versionExists, withLabel, withVersion } from "./record.ts";
import type { RepositoryStore } from "./store.ts";
import { checkManifestSignature, checkWithTfjs } from "./tfjs-check.ts";

export interface PublishOptions {
  dir: string;
  name: string;
  version: number;
  label?: string;
  /** Run one zero-filled example through the model (default true). */
  run: boolean;
  /** The time to record as `published` (ISO 8601). */
  now?: Date;
}

export interface PublishResult {
  record: ModelRecord;
  manifest: Manifest | ManifestInput;
  manifestWritten: boolean;
  sha256: string;
}

export type Log = (line: string) => void;

const describeSpecs = (specs: Manifest["signature"]["inputs"]) =>
  specs.map((s) => `${s.name} ${s.dtype} ${formatShape(s.shape)}`).join(", ");

export async function publish(options: PublishOptions, store: RepositoryStore, log: Log): Promise<PublishResult> {
  const { dir, name, version } = options;
  const bundled = bundledVersions(name);
  if (bundled.includes(version)) {
    throw new CliError(
      `${name} version ${version} is bundled in the Worker (model/artifacts/${name}/${version}); publish under another version. Nothing was written.`,
    );
  }

  log(`checking ${dir}`);
  const checked = await checkModelDir(dir);
  const bytes = checked.files.reduce((n, f) => n + f.bytes.byteLength, 0);
  log(`  ${checked.format}, ${checked.summary}, ${formatBytes(bytes)}`);
  const existing = await readExistingManifest(checked, name, version);
  const tfjs = await checkWithTfjs(checked, { run: options.run });
  log(
    `  TF.js loads it: inputs ${describeSpecs(tfjs.signature.inputs)}; outputs ${describeSpecs(tfjs.signature.outputs)}`,
  );
  if (tfjs.ran)
    log(`  one zero-filled example ran on the ${tfjs.ran.backend} backend in ${formatSeconds(tfjs.ran.ms)}`);
  for (const warning of tfjs.warnings) log(`  warning: ${warning}`);
  if (existing) await checkStreamLookups(existing.manifest, store, log);
  if (existing) {
    checkManifestSignature(dir, existing.manifest.signature, tfjs.signature, checked.format);
    log(`  ${MANIFEST_JSON} matches the files (${Object.keys(existing.manifest.files).length} sha256)`);
  }

  log(`reading ${recordKey(name)} (${store.where})`);
  const text = await store.getRecord(name);
  const current = text === null ? emptyRecord() : parseRecord(name, text);
  if (current.versions[String(version)]) throw versionExists(current, name, version);
  log(
    text === null
      ? `  no record yet: this is ${name}'s first published version`
      : `  published versions: ${Object.keys(current.versions).join(", ")}`,
  );

  let manifest: Manifest | ManifestInput;
  let manifestBytes: Uint8Array;
  if (existing) {
    manifest = existing.manifest;
    manifestBytes = existing.bytes;
  } else {
    if (tfjs.unknownShapes) {
      throw new CliError(
        `refused ${dir}: the model does not say the shape of output ${tfjs.unknownShapes.outputs.map((o) => `'${o}'`).join(", ")} and ${tfjs.unknownShapes.reason}; write a ${MANIFEST_JSON} that gives the shapes. Nothing was written.`,
      );
    }
    manifest = newManifest(checked, name, version, tfjs.signature, options.now ?? new Date());
    manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(join(dir, MANIFEST_JSON), manifestBytes);
    log(
      `wrote ${join(dir, MANIFEST_JSON)} (the directory had none): the signature above and the sha256 of ${checked.files.length} files`,
    );
  }
  // The version's identity covers the manifest as uploaded (its bytes parsed), not only the files.
  const sha256 = await versionIdentity(manifest.files, JSON.parse(new TextDecoder().decode(manifestBytes)));

  await upload(checked, manifestBytes, name, version, store, log);

  let record = withVersion(current, name, version, {
    sha256,
    format: checked.format,
    bytes,
    published: (options.now ?? new Date()).toISOString(),
  });
  if (options.label) record = withLabel(record, options.label, version);
  log(`writing ${recordKey(name)}${options.label ? ` (label ${options.label} → ${version})` : ""}`);
  try {
    await store.putRecord(name, record);
  } catch (err) {
    throw new CliError(
      `${(err as Error).message}\nThe files are uploaded but ${recordKey(name)} was not written, so version ${version} is not published ` +
        `(the Worker does not see it). Run the same command again: it re-uploads the files and writes the record.`,
    );
  }
  log(`published ${name} version ${version}: ${checked.format}, ${formatBytes(bytes)}, sha256 ${shortSha(sha256)}…`);
  return { record, manifest, manifestWritten: !existing, sha256 };
}

function newManifest(
  checked: CheckedDir,
  name: string,
  version: number,
  signature: Manifest["signature"],
  now: Date,
): ManifestInput {
  const files: Record<string, string> = {};
  for (const f of checked.files) files[f.name] = f.sha256;
  const { convertedBy, generatedBy } = checked.model.modelJson as { convertedBy?: unknown; generatedBy?: unknown };
  const manifest: ManifestInput = {
    name,
    version,
    format: checked.format,
    signature,
    files,
    created: now.toISOString(),
  };
  if (typeof convertedBy === "string" || typeof generatedBy === "string") {
    manifest.description = [
      generatedBy && `from ${String(generatedBy)}`,
      convertedBy && `converted by ${String(convertedBy)}`,
    ]
      .filter(Boolean)
      .join(", ");
  }
  return manifest;
}

/**
 * Uploads the bytes that were validated (staged in a temporary directory, so a file edited during
 * the upload cannot make the objects disagree with the manifest): shards, then model.json, then
 * manifest.json.
 */
async function upload(
  checked: CheckedDir,
  manifestBytes: Uint8Array,
  name: string,
  version: number,
  store: RepositoryStore,
  log: Log,
): Promise<void> {
  const prefix = artifactPrefix(name, version);
  const shards = checked.files.filter((f) => f.name !== MODEL_JSON);
  const modelJson = checked.files.find((f) => f.name === MODEL_JSON)!;
  const files = [...shards, modelJson, { name: MANIFEST_JSON, bytes: manifestBytes }];
  const staging = await mkdtemp(join(tmpdir(), "models-publish-"));
  const done: string[] = [];
  try {
    log(`uploading ${files.length} files to ${prefix} (${store.where})`);
    for (const [i, file] of files.entries()) {
      const path = join(staging, file.name);
      await writeFile(path, file.bytes);
      const started = performance.now();
      try {
        await store.putObject(
          prefix + file.name,
          path,
          file.name.endsWith(".json") ? "application/json" : "application/octet-stream",
        );
      } catch (err) {
        throw new CliError(
          `${(err as Error).message}\nNothing was published: ${recordKey(name)} is unchanged, so version ${version} stays invisible to the Worker. ` +
            (done.length ? `Already uploaded: ${done.join(", ")} (stray objects under ${prefix}; ` : `(`) +
            `running the same publish again overwrites them).`,
        );
      }
      done.push(file.name);
      log(
        `  [${i + 1}/${files.length}] ${file.name} (${formatBytes(file.bytes.byteLength)}) in ${formatSeconds(performance.now() - started)}`,
      );
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Every context lookup reading a stream must fit its published declaration (docs/streams.md). */
async function checkStreamLookups(manifest: Manifest, store: RepositoryStore, log: Log): Promise<void> {
  for (const lookup of manifest.context?.lookups ?? []) {
    if (lookup.stream === undefined) continue;
    const text = store.getText ? await store.getText(`stream:${lookup.stream}`) : null;
    if (text === null)
      throw new CliError(
        `lookup '${lookup.name}' reads stream '${lookup.stream}', which is not published (npm run streams -- publish <file>); nothing was written`,
      );
    const stream = StreamSchema.safeParse(JSON.parse(text));
    if (!stream.success) throw new CliError(`the published stream '${lookup.stream}' is not a valid declaration`);
    const problems = streamLookupProblems(lookup, stream.data);
    if (problems.length) throw new CliError(`${problems.join("; ")}; nothing was written`);
    log(`  lookup '${lookup.name}' fits stream '${lookup.stream}'`);
  }
}
