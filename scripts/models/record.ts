/**
 * Changes to a model's pointer record (`model:<name>` in KV, schema in src/core/models/record.ts),
 * as pure functions: each takes a record and returns a new one, or throws a CliError saying why
 * the change is refused. The commands read the record, apply one of these, and write it back.
 */
import {
  CANARY_LABEL,
  DEFAULT_LABEL,
  type ModelRecord,
  ModelRecordSchema,
  recordKey,
  type ShadowSetting,
  withLabel,
} from "../../src/core/models/record.ts";
import { CliError } from "./cli-error.ts";

/** The label change a rollout's completion makes too, from core (the CLI's commands use it). */
export { withLabel };

export type VersionEntry = ModelRecord["versions"][string];

export const emptyRecord = (): ModelRecord => ({ versions: {}, labels: {}, canary_percent: 0, history: {} });

/** Parses a record as stored (JSON text); a value that is not a valid record is refused, not overwritten. */
export function parseRecord(name: string, text: string): ModelRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(
      `${recordKey(name)} in the REGISTRY namespace is not JSON; fix or delete it (wrangler kv key delete) before changing it`,
    );
  }
  const parsed = ModelRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(record)"}: ${i.message}`).join("; ");
    throw new CliError(
      `${recordKey(name)} in the REGISTRY namespace is not a valid model record (${issues}); fix or delete it before changing it`,
    );
  }
  return parsed.data;
}

/** The record as written to KV (validated again, so a bug here cannot store a record the Worker refuses). */
export function serialiseRecord(record: ModelRecord): string {
  return `${JSON.stringify(ModelRecordSchema.parse(record), null, 2)}\n`;
}

/** Published versions, ascending. */
export const publishedVersions = (record: ModelRecord): number[] =>
  Object.keys(record.versions)
    .map(Number)
    .sort((a, b) => a - b);

/** Adds a version; versions are immutable, so one the record has is refused. */
export function withVersion(record: ModelRecord, name: string, version: number, entry: VersionEntry): ModelRecord {
  if (record.versions[String(version)]) throw versionExists(record, name, version);
  return { ...record, versions: { ...record.versions, [String(version)]: entry } };
}

export function versionExists(record: ModelRecord, name: string, version: number): CliError {
  const next = Math.max(...publishedVersions(record)) + 1;
  return new CliError(
    `${name} version ${version} is already published (sha256 ${record.versions[String(version)]?.sha256.slice(0, 12)}…); ` +
      `published versions are immutable. Publish the new artifact as another version (e.g. --version ${next}), ` +
      `then point a label at it (npm run models -- label ${name} ${DEFAULT_LABEL} ${next}).`,
  );
}

/** Points `label` back at the version it pointed to before the last change. */
export function rolledBack(
  record: ModelRecord,
  name: string,
  label: string,
): { record: ModelRecord; from: number; to: number } {
  const from = record.labels[label];
  if (from === undefined) {
    const labels = Object.keys(record.labels);
    throw new CliError(
      `${name} has no label '${label}' to roll back (labels: ${labels.length ? labels.join(", ") : "none"})`,
    );
  }
  const past = record.history[label] ?? [];
  const to = past.at(-1);
  if (to === undefined) {
    throw new CliError(
      `${name}: label '${label}' → ${from} has no earlier version to roll back to (its history is empty). ` +
        `Point it at a version yourself: npm run models -- label ${name} ${label} <version>`,
    );
  }
  const history = { ...record.history, [label]: past.slice(0, -1) };
  if (history[label]!.length === 0) delete history[label];
  return { record: { ...record, labels: { ...record.labels, [label]: to }, history }, from, to };
}

/** Parses a canary percentage: a number from 0 to 100 (0 turns the canary off). */
export function parsePercent(text: string): number {
  const percent = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(percent >= 0 && percent <= 100)) {
    throw new CliError(`canary percent must be a number from 0 to 100 (0 turns the canary off), got '${text}'`, 2);
  }
  return percent;
}

/** Sets the share of default traffic the canary label takes; above 0 the label must exist. */
export function withCanary(record: ModelRecord, name: string, percent: number): ModelRecord {
  if (percent > 0 && record.labels[CANARY_LABEL] === undefined) {
    throw new CliError(
      `${name} has no '${CANARY_LABEL}' label, so there is nothing to send ${percent}% of traffic to. ` +
        `Point it at a version first: npm run models -- label ${name} ${CANARY_LABEL} <version>`,
    );
  }
  return { ...record, canary_percent: percent };
}

/** The share of requests a shadow runs on when `shadow` is given no --sample. */
export const DEFAULT_SHADOW_SAMPLE = 0.1;

/** Parses a shadow's --sample: a number above 0 and at most 1. */
export function parseSample(text: string): number {
  const sample = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(sample > 0 && sample <= 1)) {
    throw new CliError(
      `--sample must be a number above 0 and at most 1 (the share of requests the shadow runs on; --off removes it), got '${text}'`,
      2,
    );
  }
  return sample;
}

/** Sets (or, with `setting` null, removes) the model's shadow version. The caller checks that the version exists. */
export function withShadow(record: ModelRecord, setting: ShadowSetting | null): ModelRecord {
  return { ...record, shadow: setting };
}
