/**
 * `rollout N V [policy flags]`, `rollout N --abort` and `status N`: staged rollouts in the pointer
 * record (docs/rollouts.md). One read and one write of the record each; the Worker's Cron Trigger
 * does the rest (promote, complete, hold, roll back).
 */
import { CANARY_LABEL, DEFAULT_LABEL, type ModelRecord, recordKey } from "../../src/core/models/record.ts";
import { abortRollout, reconcile, startRollout } from "../../src/core/rollouts/apply.ts";
import {
  DEFAULT_POLICY,
  type HistoryEntry,
  METRICS,
  type Policy,
  PolicySchema,
  parseRollout,
  type Rollout,
} from "../../src/core/rollouts/schema.ts";
import { bundledVersions } from "./bundled.ts";
import { CliError, usageError } from "./cli-error.ts";
import type { Log } from "./publish.ts";
import { parseRecord, publishedVersions } from "./record.ts";
import type { RepositoryStore } from "./store.ts";

/** The policy flags as parseArgs gives them (strings). */
export interface PolicyFlags {
  steps?: string | undefined;
  "min-outcomes"?: string | undefined;
  metric?: string | undefined;
  "max-regression"?: string | undefined;
  "max-error-rate"?: string | undefined;
  "max-p95-ms"?: string | undefined;
  confidence?: string | undefined;
}

export const POLICY_FLAGS = [
  "steps",
  "min-outcomes",
  "metric",
  "max-regression",
  "max-error-rate",
  "max-p95-ms",
  "confidence",
] as const;

function number(flag: string, text: string): number {
  const value = /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) throw usageError(`--${flag}: expected a number, got '${text}'`);
  return value;
}

/** The policy from the flags, defaults for the ones not given; every field checked (PolicySchema). */
export function parsePolicy(flags: PolicyFlags): Policy {
  const policy: Record<string, unknown> = { ...DEFAULT_POLICY };
  if (flags.steps !== undefined) policy.steps = flags.steps.split(",").map((s) => number("steps", s));
  if (flags["min-outcomes"] !== undefined) policy.min_outcomes = number("min-outcomes", flags["min-outcomes"]);
  if (flags.metric !== undefined) {
    if (!(METRICS as readonly string[]).includes(flags.metric))
      throw usageError(`--metric: expected one of ${METRICS.join(", ")}, got '${flags.metric}'`);
    policy.metric = flags.metric;
  }
  if (flags["max-regression"] !== undefined) policy.max_regression = number("max-regression", flags["max-regression"]);
  if (flags["max-error-rate"] !== undefined) policy.max_error_rate = number("max-error-rate", flags["max-error-rate"]);
  if (flags["max-p95-ms"] !== undefined) policy.max_p95_ms = number("max-p95-ms", flags["max-p95-ms"]);
  if (flags.confidence !== undefined) policy.confidence = number("confidence", flags.confidence);
  const parsed = PolicySchema.safeParse(policy);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = `--${String(issue.path[0] ?? "policy").replace(/_/g, "-")}`;
    throw usageError(`${flag}: ${issue.message}, got ${JSON.stringify(policy[String(issue.path[0])])}`);
  }
  return parsed.data;
}

async function read(store: RepositoryStore, name: string, log: Log): Promise<ModelRecord> {
  log(`reading ${recordKey(name)} (${store.where})`);
  const text = await store.getRecord(name);
  if (text === null)
    throw new CliError(
      `no model '${name}' in the repository (${store.where}): ${recordKey(name)} does not exist. Publish it first: npm run models -- publish <dir> --name ${name} --version 1`,
    );
  return parseRecord(name, text);
}

/** The record's rollout, parsed; a damaged one is named, not overwritten silently. */
function rolloutOf(record: ModelRecord, name: string): Rollout | undefined {
  if (record.rollout === undefined) return undefined;
  const rollout = parseRollout(record.rollout);
  if (typeof rollout === "string")
    throw new CliError(`${recordKey(name)} holds a rollout that is not valid (${rollout}); fix or delete it`);
  return rollout;
}

export async function rollout(
  store: RepositoryStore,
  name: string,
  version: number,
  policy: Policy,
  log: Log,
  now = new Date(),
): Promise<ModelRecord> {
  const record = await read(store, name, log);
  const published = record.versions[String(version)] !== undefined;
  const bundled = bundledVersions(name);
  if (!published && !bundled.includes(version)) {
    const versions = [...publishedVersions(record).map(String), ...bundled.map((v) => `${v} (bundled)`)];
    throw new CliError(
      `${name} has no version ${version} to roll out; versions: ${versions.length ? versions.join(", ") : "none"}`,
    );
  }
  const from = record.labels[DEFAULT_LABEL];
  if (from === undefined)
    throw new CliError(
      `${name} has no '${DEFAULT_LABEL}' label, so there is no version to compare ${version} with and to replace. ` +
        `Point it at the version serving now first: npm run models -- label ${name} ${DEFAULT_LABEL} <version>`,
    );
  if (from === version)
    throw new CliError(`${name}: label ${DEFAULT_LABEL} already points to ${version}; nothing to roll out`);
  const current = rolloutOf(record, name);
  if (current?.state === "active")
    throw new CliError(
      `${name} already has an active rollout of version ${current.version} (${current.id}); stop it first: npm run models -- rollout ${name} --abort`,
    );
  const at = now.toISOString();
  const id = `${name}-${version}-${now.getTime().toString(36)}`;
  const next = startRollout(record, { id, version, from, policy, now: at });
  log(`writing ${recordKey(name)}`);
  await store.putRecord(name, next);
  log(
    `${name}: rollout ${id} started: label ${CANARY_LABEL} → ${version}, ${policy.steps[0]}% of default traffic; ` +
      `steps ${policy.steps.join(", ")}; ${version} is compared with ${DEFAULT_LABEL} → ${from} on ${policy.metric}`,
  );
  log(`  the Cron Trigger evaluates it every minute; see where it stands: npm run models -- status ${name}`);
  return next;
}

export async function abort(store: RepositoryStore, name: string, log: Log, now = new Date()): Promise<ModelRecord> {
  const record = await read(store, name, log);
  const current = rolloutOf(record, name);
  if (current?.state !== "active")
    throw new CliError(
      `${name} has no active rollout to abort${current ? ` (the last one, ${current.id}, is ${current.state})` : ""}`,
    );
  const next = reconcile(record, abortRollout(current, now.toISOString()));
  log(`writing ${recordKey(name)}`);
  await store.putRecord(name, next);
  log(
    `${name}: rollout ${current.id} aborted: canary share 0, label ${DEFAULT_LABEL} → ${record.labels[DEFAULT_LABEL]} unchanged (label ${CANARY_LABEL} → ${current.version} stays, taking no traffic)`,
  );
  return next;
}

function evidenceLine(e: HistoryEntry): string | undefined {
  const ev = e.evidence;
  if (!ev) return undefined;
  const arm = (a: typeof ev.canary) =>
    `${a.version}: ${a.joined} joined, mean ${a.mean ?? "-"}, ${a.requests} requests, ${a.server_errors} 5xx, p95 ${a.p95_ms ?? "-"} ms`;
  const d = ev.difference ? `; difference ${ev.difference.estimate}, upper bound ${ev.difference.upper}` : "";
  return `      canary ${arm(ev.canary)} | stable ${arm(ev.stable)}${d}`;
}

export function renderStatus(name: string, record: ModelRecord): string[] {
  const current = rolloutOf(record, name);
  if (!current) return [`${name}: no rollout (npm run models -- rollout ${name} <version> …)`];
  const p = current.policy;
  const lines = [
    `${name}: rollout ${current.id}: ${current.state}`,
    `  version ${current.version} against ${current.from}; step ${current.step + 1} of ${p.steps.length - 1} at ${p.steps[current.step]}% (steps ${p.steps.join(", ")}); canary share now ${record.canary_percent}%`,
    `  started ${current.started}, this step since ${current.step_started}`,
    `  policy: min_outcomes ${p.min_outcomes}, metric ${p.metric}, max_regression ${p.max_regression}, max_error_rate ${p.max_error_rate}, max_p95_ms ${p.max_p95_ms ?? "-"}, confidence ${p.confidence}`,
    "  history:",
  ];
  for (const e of current.history) {
    const times = e.evaluations && e.evaluations > 1 ? ` (${e.evaluations} evaluations since ${e.first_at})` : "";
    lines.push(`    ${e.at}  ${e.decision.padEnd(8)} at ${e.percent}%${times}: ${e.rule}`);
    const ev = evidenceLine(e);
    if (ev) lines.push(ev);
  }
  return lines;
}

export async function status(store: RepositoryStore, name: string, log: Log, json: boolean): Promise<void> {
  const record = await read(store, name, () => {});
  if (json)
    log(
      JSON.stringify(
        { canary_percent: record.canary_percent, labels: record.labels, rollout: record.rollout ?? null },
        null,
        2,
      ),
    );
  else for (const line of renderStatus(name, record)) log(line);
}
