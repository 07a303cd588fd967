/**
 * Models bundled into the Worker from model/artifacts (see scripts/bundle-models.ts).
 * Files arrive as raw bytes; the manifest and labels are parsed per call (cheap, pure).
 */
import { readManifest } from "../../core/models/manifest.ts";
import type { ModelIndexEntry, ModelSource, ModelVersionFiles } from "../../core/models/source.ts";

export interface BundledModel {
  name: string;
  /** labels.json: { "<label>": <version> }. */
  labels: ArrayBuffer | undefined;
  /** `sha256`: the version's identity (core/models/identity.ts) computed at build time (absent without a manifest). */
  versions: Array<{ version: number; sha256?: string; files: Record<string, ArrayBuffer> }>;
}

const decoder = new TextDecoder();

function parseLabels(model: BundledModel): Record<string, number> {
  if (!model.labels) return {};
  const parsed: unknown = JSON.parse(decoder.decode(model.labels));
  const labels: Record<string, number> = {};
  for (const [label, version] of Object.entries(parsed as Record<string, unknown>)) {
    if (Number.isInteger(version)) labels[label] = version as number;
  }
  return labels;
}

export function bundledSource(models: readonly BundledModel[]): ModelSource {
  return {
    kind: "bundled",
    async index(): Promise<ModelIndexEntry[]> {
      return models.map((m) => ({ name: m.name, versions: m.versions.map((v) => v.version), labels: parseLabels(m) }));
    },
    async hasModels() {
      return models.length > 0;
    },
    identity(name, version) {
      return models.find((m) => m.name === name)?.versions.find((v) => v.version === version)?.sha256;
    },
    async open(name, version): Promise<ModelVersionFiles | undefined> {
      const found = models.find((m) => m.name === name)?.versions.find((v) => v.version === version);
      if (!found) return undefined;
      const files = new Map(Object.entries(found.files).filter(([file]) => file !== "manifest.json"));
      const manifestBytes = found.files["manifest.json"];
      if (!manifestBytes) return { files };
      const { manifest, json } = readManifest(manifestBytes, `model '${name}' version ${version}`);
      return { manifest, manifestJson: json, files };
    },
  };
}
