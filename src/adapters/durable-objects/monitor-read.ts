/**
 * What the Monitor object answers from its tables: the quality document (windows of hour buckets
 * merged and summarised by core/monitoring/report.ts) and Triton's per-version counters.
 * A window of n hours is the n clock hours ending with the one that holds `at` (its first hour
 * starts at `from`); hours are hours of the predictions' own `time` (when they were answered).
 */
import { type Aggregate, merge } from "../../core/monitoring/aggregate.ts";
import type { Monitoring } from "../../core/monitoring/manifest.ts";
import type { Arm } from "../../core/monitoring/record.ts";
import { hourPoint, type QualityDocument, type QualityWindow, summarize } from "../../core/monitoring/report.ts";
import type { VersionCounters } from "../../core/monitoring/stats.ts";
import { HOUR_MS } from "./monitor-schema.ts";

export const WINDOW_HOURS: Record<QualityWindow, number> = { "1h": 1, "24h": 24, "7d": 168 };

export interface QualityOptions {
  /** The windows' end, epoch ms (default: now). */
  at: number;
  windows: readonly QualityWindow[];
}

type HourRow = {
  version: number;
  arm: string;
  hour: number;
  agg: string;
  joined: string;
};

const iso = (ms: number) => new Date(ms).toISOString();

export function qualityDocument(
  sql: SqlStorage,
  model: string,
  o: QualityOptions,
  monitoring: (version: number) => Monitoring | undefined,
): QualityDocument {
  const last = Math.floor(o.at / HOUR_MS);
  const longest = Math.max(...o.windows.map((w) => WINDOW_HOURS[w]));
  const rows = sql
    .exec<HourRow>(
      "SELECT version, arm, hour, agg, joined FROM hours WHERE hour > ? AND hour <= ? ORDER BY version, arm, hour",
      last - longest,
      last,
    )
    .toArray();
  const groups = new Map<string, { version: number; arm: Arm; hours: Array<{ hour: number; aggs: Aggregate[] }> }>();
  for (const r of rows) {
    const k = `${r.version}|${r.arm}`;
    const group = groups.get(k) ?? { version: r.version, arm: r.arm as Arm, hours: [] };
    group.hours.push({ hour: r.hour, aggs: [JSON.parse(r.agg) as Aggregate, JSON.parse(r.joined) as Aggregate] });
    groups.set(k, group);
  }
  const doc: QualityDocument = { model, generated_at: iso(o.at), reports: [], series: [] };
  for (const { version, arm, hours } of groups.values()) {
    const baseline = monitoring(version)?.baseline;
    for (const window of o.windows) {
      const first = last - WINDOW_HOURS[window] + 1;
      const inWindow = hours.filter((h) => h.hour >= first);
      if (inWindow.length === 0) continue;
      doc.reports.push({
        version,
        arm,
        window,
        from: iso(first * HOUR_MS),
        to: iso(o.at),
        report: summarize(
          inWindow.flatMap((h) => h.aggs),
          baseline,
        ),
      });
    }
    doc.series.push({
      version,
      arm,
      points: hours.map((h) => hourPoint(iso(h.hour * HOUR_MS), h.aggs.reduce(merge), baseline)),
    });
  }
  return doc;
}

/** Each version's cumulative counters (Triton's statistics extension, core/monitoring/stats.ts). */
export function statsRows(sql: SqlStorage, version?: number): VersionCounters[] {
  type Row = VersionCounters & Record<string, SqlStorageValue>;
  return version === undefined
    ? sql.exec<Row>("SELECT * FROM stats ORDER BY version").toArray()
    : sql.exec<Row>("SELECT * FROM stats WHERE version = ?", version).toArray();
}
