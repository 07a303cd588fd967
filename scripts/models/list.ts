/**
 * `list [N] [--json]`: the models in the repository with their versions (short sha256, format,
 * size, publish time), labels (with their rollback history), canary share and shadow version. The records are
 * the index: R2 cannot be listed through wrangler, and only versions in a record are served.
 */
import { CANARY_LABEL, type ModelRecord, recordKey } from "../../src/core/models/record.ts";
import { bundledVersions } from "./bundled.ts";
import { CliError } from "./cli-error.ts";
import { formatBytes, shortSha, table } from "./format.ts";
import type { Log } from "./publish.ts";
import { parseRecord, publishedVersions } from "./record.ts";
import type { RepositoryStore } from "./store.ts";

export async function listRecords(
  store: RepositoryStore,
  name: string | undefined,
  progress: Log,
): Promise<Record<string, ModelRecord>> {
  const names = name === undefined ? await store.listModels() : [name];
  const records: Record<string, ModelRecord> = {};
  for (const [i, model] of names.entries()) {
    if (names.length > 1) progress(`reading ${recordKey(model)} (${i + 1}/${names.length})`);
    const text = await store.getRecord(model);
    if (text === null) {
      if (name !== undefined)
        throw new CliError(`no model '${name}' in the repository (${store.where}): ${recordKey(name)} does not exist`);
      continue;
    }
    records[model] = parseRecord(model, text);
  }
  return records;
}

export function renderRecords(records: Record<string, ModelRecord>, where: string): string[] {
  const names = Object.keys(records).sort();
  if (names.length === 0) return [`no models in the repository (${where})`];
  const lines: string[] = [];
  for (const name of names) {
    const record = records[name]!;
    const canary =
      record.canary_percent > 0 ? `, canary ${record.canary_percent}% → ${record.labels[CANARY_LABEL]}` : "";
    const shadow = record.shadow
      ? `, shadow → ${record.shadow.version} on ${Number((record.shadow.sample * 100).toFixed(4))}% of requests`
      : "";
    lines.push(`${name}${canary}${shadow}`);
    const rows = [["version", "sha256", "format", "size", "published"]];
    for (const v of publishedVersions(record)) {
      const e = record.versions[String(v)]!;
      rows.push([
        String(v),
        shortSha(e.sha256),
        e.format ?? "-",
        e.bytes === undefined ? "-" : formatBytes(e.bytes),
        e.published ?? "-",
      ]);
    }
    if (rows.length > 1) lines.push(...table(rows));
    else lines.push("  no published versions");
    const bundled = new Set(bundledVersions(name));
    const labels = Object.entries(record.labels).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [label, version] of labels) {
      const past = record.history[label] ?? [];
      const note = record.versions[String(version)] ? "" : bundled.has(version) ? " (bundled)" : " (not published!)";
      lines.push(`  label ${label} → ${version}${note}${past.length ? `  (history: ${past.join(", ")})` : ""}`);
    }
    if (labels.length === 0) lines.push("  no labels: unqualified requests get the latest version");
    lines.push("");
  }
  return lines;
}
