/**
 * The model repository's pointer record: one small JSON value per model, `model:<name>` in the
 * REGISTRY KV namespace. It says which versions exist (each with its artifact identity), which
 * version each label points to, how much default traffic the `canary` label takes, and which
 * version, if any, runs in the shadow of the served one.
 * Artifacts live in R2 (key layout: src/adapters/r2/layout.ts).
 *
 * The record is written last by `npm run models -- publish`, so a version is only visible once
 * all of its files are in R2. Shared by the Worker (reads) and the CLI (writes).
 */
import * as z from "zod";

/** Model and label names: what the v1/v2 routes accept as one path segment. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export const RECORD_PREFIX = "model:";
export const recordKey = (name: string) => `${RECORD_PREFIX}${name}`;

/** The label unqualified requests follow (when the model has it; otherwise the latest version). */
export const DEFAULT_LABEL = "stable";
/** The label that takes `canary_percent` of the default traffic. */
export const CANARY_LABEL = "canary";

/** A canonical version: a non-negative integer without leading zeros. */
const VERSION_PATTERN = /^(0|[1-9]\d*)$/;

/** True for a version string records may hold and refs parse (core/models/ref.ts): canonical, exact as a number. */
export const isVersionKey = (text: string) => VERSION_PATTERN.test(text) && Number.isSafeInteger(Number(text));

const Version = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const VersionKey = z
  .string()
  .regex(VERSION_PATTERN, "a version number without leading zeros")
  .refine(isVersionKey, "a version number of at most 2^53-1");
const Label = z.string().regex(NAME_PATTERN, "a label: letters, digits, '_', '.', '-'");

/** A shadow version and the share of requests (by request id, core/monitoring/sampling.ts) it runs on. */
export const ShadowSchema = z.object({
  version: Version,
  sample: z.number().gt(0).max(1),
});
export type ShadowSetting = z.infer<typeof ShadowSchema>;

export const ModelRecordSchema = z.object({
  /** Published versions: "<version>" → its artifact identity (sha256 over the manifest's file hashes). */
  versions: z.record(
    VersionKey,
    z.object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/, "a hex sha256"),
      format: z.enum(["layers-model", "graph-model"]).optional(),
      /** Total bytes of model.json and shards. */
      bytes: z.number().int().nonnegative().optional(),
      published: z.string().optional(),
    }),
  ),
  /** Label → version. A label may point to a bundled version too. */
  labels: z.record(Label, Version).default({}),
  /** Share of default (unqualified) traffic routed to the `canary` label, 0-100. */
  canary_percent: z.number().min(0).max(100).default(0),
  /** Label → the versions it pointed to before, oldest first (what `rollback` returns to). */
  history: z.record(Label, z.array(Version)).default({}),
  /** A version that also runs, unseen, on a sample of requests (docs/monitoring.md, "Shadow versions"); null or absent: none. */
  shadow: ShadowSchema.nullable().optional(),
  /**
   * A staged rollout's policy, state and decision history (src/core/rollouts/schema.ts,
   * docs/rollouts.md). Opaque here: the predict path never parses it, so a damaged rollout cannot
   * stop serving; `npm run models -- rollout` writes it and the Cron evaluation parses it.
   */
  rollout: z.unknown().optional(),
});

export type ModelRecord = z.infer<typeof ModelRecordSchema>;

/**
 * Points `label` at `version`, pushing the version it pointed to onto its history (what
 * `rollback` returns to; the models CLI and a completing rollout). The caller checks that the
 * version exists (published or bundled).
 * Pointing a label where it already points changes nothing.
 */
export function withLabel(record: ModelRecord, label: string, version: number): ModelRecord {
  const previous = record.labels[label];
  if (previous === version) return record;
  const history =
    previous === undefined
      ? record.history
      : { ...record.history, [label]: [...(record.history[label] ?? []), previous] };
  return { ...record, labels: { ...record.labels, [label]: version }, history };
}
