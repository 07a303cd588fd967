/**
 * `npm run context -- validate <model dir> <file>`: every entry's key must match one lookup's key
 * template of the model's manifest `context` section, and its value must have that lookup's
 * declared fields with their dtypes and a readable `updated_at` (the checks serving applies,
 * from src/core/context/lookups.ts, so a file that validates is served as `present`/`stale`/`future`).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveLookup } from "../../src/core/context/lookups.ts";
import { type ContextSpec, ContextSpecSchema, type Lookup } from "../../src/core/context/spec.ts";
import { CliError } from "../models/cli-error.ts";
import type { Entry } from "./entries.ts";

export function readContextSpec(modelDir: string): ContextSpec {
  const path = join(modelDir, "manifest.json");
  if (!existsSync(path)) throw new CliError(`${path} does not exist (a model directory holds manifest.json)`);
  const manifest = JSON.parse(readFileSync(path, "utf8")) as { context?: unknown };
  if (manifest.context === undefined) throw new CliError(`${path} has no "context" section`);
  const parsed = ContextSpecSchema.safeParse(manifest.context);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(`${path}: context.${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A regular expression matching the keys a template produces. */
function keyPattern(lookup: Lookup): RegExp {
  const parts = lookup.key.split(/\{[^{}]*\}/);
  return new RegExp(`^${parts.map(escapeRegExp).join("(.+?)")}$`);
}

export interface Validation {
  /** Entries per lookup name. */
  counts: Record<string, number>;
  problems: string[];
}

export function validateEntries(spec: ContextSpec, entries: readonly Entry[]): Validation {
  const patterns = spec.lookups.map((l) => ({ lookup: l, pattern: keyPattern(l) }));
  const counts: Record<string, number> = Object.fromEntries(spec.lookups.map((l) => [l.name, 0]));
  const problems: string[] = [];
  for (const entry of entries) {
    const match = patterns.find((p) => p.pattern.test(entry.key));
    if (!match) {
      const templates = spec.lookups.map((l) => l.key).join(", ");
      problems.push(`${entry.key}: matches no lookup's key template (${templates})`);
      continue;
    }
    counts[match.lookup.name]! += 1;
    const outcome = resolveLookup(
      match.lookup,
      entry.key,
      { values: new Map([[entry.key, entry.value]]) },
      Number.POSITIVE_INFINITY,
    );
    if (outcome.status === "error") problems.push(`${entry.key} (lookup '${match.lookup.name}'): ${outcome.reason}`);
  }
  return { counts, problems };
}
