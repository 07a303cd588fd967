/**
 * `npm run models -- baseline <dir> <data>`: writes `monitoring.baseline` (bins and training
 * shares per feature, src/core/monitoring/baseline.ts) into <dir>/manifest.json from a file of
 * feature vectors as the model receives them (after context and preprocessing):
 *   - JSONL: one row per line, a JSON array of numbers or an object with a `features` array
 *     (the prediction log's column of that name);
 *   - CSV: one row per line, numbers; a first line that is not numeric is a header naming the
 *     features and must match the manifest's names.
 * Feature names come from the manifest: preprocess.params.feature_names, the declared context's
 * columns, or f0, f1, … by the model input's width.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { featureNames } from "../../src/core/context/spec.ts";
import { ManifestSchema } from "../../src/core/models/manifest.ts";
import { baselineOf, DEFAULT_BASELINE_BINS } from "../../src/core/monitoring/baseline.ts";
import { CliError, usageError } from "./cli-error.ts";

export interface BaselineOptions {
  dir: string;
  data: string;
  bins?: number;
  task?: "binary" | "regression";
}

/** The names of the feature vector's columns, from the manifest. */
export function vectorNames(manifest: ReturnType<typeof ManifestSchema.parse>): string[] {
  const fromParams = manifest.preprocess?.params.feature_names;
  if (Array.isArray(fromParams) && fromParams.every((n) => typeof n === "string")) return fromParams as string[];
  if (manifest.context && !manifest.preprocess) return featureNames(manifest.context);
  const width = manifest.signature.inputs[0]?.shape.at(-1);
  if (manifest.signature.inputs.length !== 1 || typeof width !== "number" || width < 1)
    throw new CliError(
      "the manifest names no feature_names, declares no context, and has no single input of fixed width: a baseline needs one feature vector per row",
    );
  return Array.from({ length: width }, (_, i) => `f${i}`);
}

function numbers(cells: unknown, where: string, width: number): number[] {
  if (!Array.isArray(cells) || cells.length !== width || !cells.every((v) => typeof v === "number"))
    throw new CliError(`${where}: expected ${width} numbers, got ${JSON.stringify(cells).slice(0, 80)}`);
  return cells as number[];
}

/** The rows of a JSONL or CSV file of feature vectors, row-major. */
export function readVectors(path: string, names: readonly string[]): Float64Array {
  const text = readFileSync(path, "utf8");
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const width = names.length;
  const rows: number[][] = [];
  const csv = !path.endsWith(".jsonl") && !path.endsWith(".json");
  lines.forEach((line, i) => {
    const where = `${path} line ${i + 1}`;
    if (!csv) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new CliError(`${where}: not JSON (a JSONL file holds one array or {"features": [...]} per line)`);
      }
      const cells = Array.isArray(value) ? value : (value as { features?: unknown } | null)?.features;
      rows.push(numbers(cells, where, width));
      return;
    }
    const cells = line.split(",").map((c) => c.trim());
    if (i === 0 && cells.some((c) => c === "" || Number.isNaN(Number(c)))) {
      if (cells.join() !== names.join())
        throw new CliError(
          `${where}: the header must name the manifest's ${width} features in order: ${names.join(",")}`,
        );
      return;
    }
    rows.push(numbers(cells.map(Number), where, width));
  });
  if (rows.length === 0) throw new CliError(`${path}: no rows`);
  return Float64Array.from(rows.flat());
}

/** Computes the baseline and writes it into <dir>/manifest.json (other fields kept as written). */
export function writeBaseline(options: BaselineOptions, print: (line: string) => void): void {
  const bins = options.bins ?? DEFAULT_BASELINE_BINS;
  if (!Number.isInteger(bins) || bins < 2 || bins > 100) throw usageError(`--bins: an integer 2-100, got ${bins}`);
  const path = join(options.dir, "manifest.json");
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`${path}: ${(err as Error).message}`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw new CliError(`${path}: not a valid manifest (${parsed.error.issues[0]?.message})`);
  const names = vectorNames(parsed.data);
  const x = readVectors(options.data, names);
  const rows = x.length / names.length;
  const features = baselineOf(x, names, bins);
  const monitoring = {
    ...((json.monitoring as Record<string, unknown> | undefined) ?? {}),
    ...(options.task ? { task: options.task } : {}),
    baseline: { source: options.data, rows, features },
  };
  const next = { ...json, monitoring };
  ManifestSchema.parse(next);
  writeFileSync(path, `${JSON.stringify(next, null, 2)}\n`);
  print(`${path}: monitoring.baseline of ${names.length} features from ${rows} rows (${bins} bins at most)`);
  print(
    "the manifest changed, so the version's identity did: republish it, or run npm run models:bundle if it is bundled",
  );
}
