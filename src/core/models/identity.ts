/**
 * A model version's identity: the sha256 of everything that decides how it answers. That is its
 * files (model.json and the weight shards, each by its sha256) AND its manifest (signature,
 * signature_name, preprocess kind and params, passthrough, description...), so two versions that
 * share weights but differ in manifest are two artifacts. The isolate memo of loaded models is keyed
 * by it (core/models/registry.ts); the bundled index (scripts/bundle-models.ts) and the pointer
 * record (`npm run models -- publish`) carry it, and every load checks the files against it.
 *
 *   identity = sha256( "<file> <sha256>\n" for each file, sorted by name
 *                      + "manifest <sha256 of the canonical manifest>\n" )
 *
 * The canonical manifest is manifest.json as written (its JSON value, not the parsed schema, so
 * the CLI, the bundler and the Worker agree without sharing defaults), with object keys sorted at
 * every depth, no whitespace, and without `files` (already counted above), `name`, `version` and
 * `created` (where and when it was published, not how it answers). A version without a manifest
 * is identified by its files alone.
 */
import { artifactSha256, sha256Hex } from "../digest.ts";

/** Manifest fields that do not decide an answer (`files` is counted line by line instead). */
export const IDENTITY_OMITS: readonly string[] = ["files", "name", "version", "created"];

const encoder = new TextEncoder();

/** JSON with object keys sorted at every depth and no whitespace (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The manifest's JSON value without the fields the identity leaves out. */
function answering(manifest: unknown): unknown {
  if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) return manifest;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(manifest)) if (!IDENTITY_OMITS.includes(key)) kept[key] = value;
  return kept;
}

/**
 * The identity of a version from its files' sha256 (by file name) and its manifest's JSON value
 * (undefined: a version without a manifest).
 */
export async function versionIdentity(files: Record<string, string>, manifest?: unknown): Promise<string> {
  if (manifest === undefined) return artifactSha256(files);
  const manifestSha = await sha256Hex(encoder.encode(canonicalJson(answering(manifest))));
  return artifactSha256(files, `manifest ${manifestSha}\n`);
}
