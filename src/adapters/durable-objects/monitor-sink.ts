/**
 * The QualitySink port (core/monitoring/record.ts) over the Monitor objects: a batch's records
 * are grouped by model and each group is folded into that model's object in one call (one Durable
 * Object request per model per batch). A failing object rejects, so the queue retries the batch;
 * the objects' dedup makes the retry count each record once.
 */
import type { Monitoring } from "../../core/monitoring/manifest.ts";
import type { QualitySink, QueueRecord } from "../../core/monitoring/record.ts";
import type { FoldResult, Monitor } from "./monitor.ts";

export type MonitorNamespace = DurableObjectNamespace<Monitor>;

export interface MonitorSinkOptions {
  retentionDays: number;
  /** A version's manifest `monitoring` section (task, positive_above, baseline), when it has one. */
  monitoringOf?: (model: string, version: number) => Promise<Monitoring | undefined>;
}

/** The model's Monitor object (one per model name). */
export const monitorOf = (namespace: MonitorNamespace, model: string) => namespace.get(namespace.idFromName(model));

export function monitorSink(namespace: MonitorNamespace, options: MonitorSinkOptions): QualitySink {
  return {
    async fold(records: QueueRecord[]): Promise<void> {
      await foldByModel(namespace, records, options);
    },
  };
}

/** Folds each model's records into its object; the results by model. */
export async function foldByModel(
  namespace: MonitorNamespace,
  records: readonly QueueRecord[],
  options: MonitorSinkOptions,
): Promise<Map<string, FoldResult>> {
  const byModel = new Map<string, QueueRecord[]>();
  for (const r of records) {
    const group = byModel.get(r.model);
    if (group) group.push(r);
    else byModel.set(r.model, [r]);
  }
  const results = await Promise.all(
    [...byModel].map(async ([model, group]) => {
      const monitoring: Record<string, Monitoring> = {};
      const versions = new Set(group.flatMap((r) => (r.kind === "outcome" || r.version === null ? [] : [r.version])));
      for (const version of versions) {
        const m = await options.monitoringOf?.(model, version);
        if (m) monitoring[version] = m;
      }
      const result = await monitorOf(namespace, model).fold(group, {
        retentionDays: options.retentionDays,
        monitoring,
      });
      return [model, result] as const;
    }),
  );
  return new Map(results);
}
