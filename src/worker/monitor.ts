/**
 * Wiring of live quality (docs/monitoring.md): the Monitor objects (one per model) behind the
 * QualitySink port for the queue consumer, the outcomes they are told directly (the outcomes route
 * and the flights feed's arrivals), and what the quality and statistics routes read from them.
 * Nothing here runs on the predict path.
 */
import type { FoldResult } from "../adapters/durable-objects/monitor.ts";
import { foldByModel, monitorOf, monitorSink } from "../adapters/durable-objects/monitor-sink.ts";
import { queueLogSink } from "../adapters/queues/log-sink.ts";
import { modelNotReady } from "../core/errors.ts";
import type { Monitoring } from "../core/monitoring/manifest.ts";
import type { Outcome, QualitySink } from "../core/monitoring/record.ts";
import type { QualityDocument, QualityWindow } from "../core/monitoring/report.ts";
import { idleCounters, type ModelStat, modelStat } from "../core/monitoring/stats.ts";
import type { Deps } from "../core/serving/dataplane.ts";
import type { Settings } from "./settings.ts";

/** A version's manifest `monitoring` section (undefined when the version cannot load or has none). */
export async function monitoringOf(deps: Deps, model: string, version: number): Promise<Monitoring | undefined> {
  try {
    const served = await deps.registry.load(model, version);
    deps.registry.release(served);
    return served.monitoring;
  } catch {
    return undefined;
  }
}

/** The queue consumer's QualitySink: every batch, outcomes included, folded into the models' objects. */
export function monitorQualitySink(env: Env, settings: Settings, deps?: Deps): QualitySink {
  return monitorSink(env.MONITOR, {
    retentionDays: settings.outcomeRetentionDays,
    ...(deps ? { monitoringOf: (model: string, version: number) => monitoringOf(deps, model, version) } : {}),
  });
}

export interface OutcomesResult {
  outcomes: number;
  /** Outcomes new to the model's object (a key's first value, or a later one replacing it). */
  applied: number;
  /** The same key and value seen before: nothing changed. */
  duplicates: number;
  /** Older than the value already held for the key (the latest `time` wins): nothing changed. */
  superseded: number;
  /** Predictions these outcomes joined (earlier predictions of the same keys). */
  joined: number;
}

/**
 * Folds outcomes into their models' objects now (idempotent by key and value), then sends them to
 * the prediction log (LOG_QUEUE, when bound) for R2; the consumer folds them again, which changes
 * nothing. 503 when an object or the queue fails: a retry applies nothing twice.
 */
export async function foldOutcomes(
  env: Env,
  settings: Settings,
  outcomes: readonly Outcome[],
): Promise<OutcomesResult> {
  const sum: OutcomesResult = { outcomes: outcomes.length, applied: 0, duplicates: 0, superseded: 0, joined: 0 };
  if (outcomes.length === 0) return sum;
  let results: Map<string, FoldResult>;
  try {
    results = await foldByModel(
      env.MONITOR,
      outcomes.map((o) => ({ kind: "outcome" as const, ...o })),
      { retentionDays: settings.outcomeRetentionDays },
    );
  } catch (err) {
    throw modelNotReady(`outcomes: the monitor object failed (${String(err)}); retry: outcomes are idempotent`);
  }
  const queue = (env as { LOG_QUEUE?: Queue }).LOG_QUEUE;
  if (settings.predictionLog && queue) {
    try {
      await queueLogSink(queue).send(outcomes.map((o) => ({ kind: "outcome" as const, ...o })));
    } catch (err) {
      throw modelNotReady(
        `outcomes: the prediction log's queue failed (${String(err)}); retry: outcomes are idempotent`,
      );
    }
  }
  for (const r of results.values()) {
    sum.applied += r.outcomes - r.superseded;
    sum.duplicates += r.duplicates;
    sum.superseded += r.superseded;
    sum.joined += r.joined;
  }
  return sum;
}

export const WINDOWS: readonly QualityWindow[] = ["1h", "24h", "7d"];

/** The model's quality document for windows ending at `at` (epoch ms). */
export async function readQuality(env: Env, model: string, at: number): Promise<QualityDocument> {
  // RPC's typing of the structured-clone result loses the tuples' shapes; the value is the document.
  return (await monitorOf(env.MONITOR, model).quality(model, { at, windows: WINDOWS })) as unknown as QualityDocument;
}

/** Triton's model_stats rows of a model's `versions` (every one listed; idle ones with zero counts). */
export async function readStats(env: Env, name: string, versions: readonly number[]): Promise<ModelStat[]> {
  const counters = await monitorOf(env.MONITOR, name).stats(versions.length === 1 ? versions[0] : undefined);
  const byVersion = new Map(counters.map((c) => [c.version, c]));
  return [...versions].sort((a, b) => a - b).map((v) => modelStat(name, byVersion.get(v) ?? idleCounters(v)));
}
