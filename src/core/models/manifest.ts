/** Reading a version's manifest.json (the same for every source). */
import { modelNotReady } from "../errors.ts";
import { ManifestSchema, type Manifest } from "../tensors/spec.ts";

const decoder = new TextDecoder();

/** Parses and validates manifest bytes; a broken manifest makes the version not ready (503). */
export function parseManifest(bytes: ArrayBuffer, label: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    throw modelNotReady(`${label}: manifest.json is not valid JSON`);
  }
  const manifest = ManifestSchema.safeParse(json);
  if (!manifest.success) {
    const issue = manifest.error.issues[0];
    throw modelNotReady(`${label}: manifest.json is invalid (${issue?.path.join(".")}: ${issue?.message})`);
  }
  return manifest.data;
}
