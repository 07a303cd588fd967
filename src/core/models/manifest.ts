/** A version's manifest.json: its schema, and reading it (the same for every source). */

import * as z from "zod";
import { ContextSpecSchema } from "../context/spec.ts";
import { modelNotReady } from "../errors.ts";
import { MonitoringSchema } from "../monitoring/manifest.ts";
import { MODEL_FORMATS, SignatureSchema } from "../tensors/spec.ts";

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a lowercase hex sha256");

/**
 * One manifest per model version (`manifest.json` beside `model.json`).
 * `signature` is what the model tensors are; `preprocess`, when present, names a
 * pipeline plug-in (src/pipelines/<kind>, registered in src/worker/pipelines.ts) that turns raw client fields into those tensors, and the public
 * signature is then the pipeline's.
 */
export const ManifestSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  version: z.number().int().min(0),
  format: z.enum(MODEL_FORMATS),
  description: z.string().optional(),
  signature_name: z.string().default("serving_default"),
  signature: SignatureSchema,
  /** sha256 of every artifact file (model.json and each weight shard), by file name. */
  files: z.record(z.string(), Sha256),
  preprocess: z
    .object({
      kind: z.string(),
      params: z.record(z.string(), z.unknown()).default({}),
    })
    .optional(),
  /** Class labels by public output name, index by index (the v2 classification extension answers "value:index:label"). */
  labels: z.record(z.string(), z.array(z.string())).optional(),
  /**
   * Declarative context (src/core/context/spec.ts, docs/byo-model-with-context.md): raw request
   * fields, KV lookups and the feature vector, served with no plug-in. Ignored when `preprocess` is set.
   */
  context: ContextSpecSchema.optional(),
  /** v1 row fields that are not inputs but are echoed back with each prediction. */
  passthrough: z.array(z.string()).default(["key"]),
  /** The prediction log, live quality and drift (src/core/monitoring/manifest.ts, docs/monitoring.md). */
  monitoring: MonitoringSchema.optional(),
  created: z.string().optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestInput = z.input<typeof ManifestSchema>;

const decoder = new TextDecoder();

/** The manifest parsed (a broken one makes the version not ready: 503), and its JSON value as written (what the version's identity covers: ./identity.ts). */
export function readManifest(bytes: ArrayBuffer, label: string): { manifest: Manifest; json: unknown } {
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
  return { manifest: manifest.data, json };
}
