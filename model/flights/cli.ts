/**
 * Shared command-line plumbing of the flights scripts: options, output paths, progress bars.
 */

import { join } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import cliProgress from "cli-progress";

export const REPO_PATHS = {
  cache: "model/flights/.cache",
  artifacts: "model/artifacts/flights",
  fixture: "test/fixtures/flights-june-sample.json",
};

export interface Paths {
  cache: string;
  /** model/artifacts/flights: context.json, metrics.json, evaluation.svg, 1/, ablation-static-context/. */
  artifacts: string;
  /** The model version directory (model.json, shard, manifest.json). */
  version: string;
  /** The ablation model (request and static context features only) used by evaluate.ts. */
  ablation: string;
  fixture: string;
}

/** Repository locations, or everything under `out` (for tests and experiments). */
export function pathsFor(out: string | undefined): Paths {
  const base = out
    ? {
        cache: join(out, "cache"),
        artifacts: join(out, "artifacts/flights"),
        fixture: join(out, "fixtures/flights-june-sample.json"),
      }
    : REPO_PATHS;
  return { ...base, version: join(base.artifacts, "1"), ablation: join(base.artifacts, "ablation-static-context") };
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses argv; prints `usage` and exits on --help or on an unknown option. */
export function cli<O extends Options>(
  usage: string,
  options: O,
): { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string } {
  const all: Options = { ...options, help: { type: "boolean", short: "h" } };
  try {
    const { values } = parseArgs({ options: all, strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(usage.trim() + "\n");
      process.exit(0);
    }
    return values as { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string };
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${usage.trim()}\n`);
    process.exit(2);
  }
}

/** A positive integer option (or its default). */
export function intOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`--${name}: expected a positive integer, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return n;
}

/** A labelled progress bar on stderr. */
export function bar(label: string, total: number): cliProgress.SingleBar {
  const b = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(22)} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} {note}`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  b.start(total, 0, { note: "" });
  return b;
}

/** Logs a step and its wall time. */
export async function step<T>(label: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const result = await fn();
  process.stderr.write(`✓ ${label} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  return result;
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, random: () => number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
