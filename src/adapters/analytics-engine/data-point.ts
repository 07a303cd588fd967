/**
 * Workers Analytics Engine: one data point per request, when the optional `ANALYTICS` binding
 * (an AnalyticsEngineDataset) exists. No binding: nothing is written and nothing fails. The
 * counting and aggregation happen in Analytics Engine (SQL API), never in the isolate.
 *
 * Data point layout (query columns in parentheses):
 *   index1  model name, or "-" (the sampling key)
 *   blob1 model, blob2 version, blob3 status class ("2xx"…"5xx"), blob4 route (e.g. "v1.predict"),
 *   blob5 error code or "", blob6 prediction cache ("hit", "miss" or ""), blob7 request id
 *   double1 total ms, double2 kv ms, double3 load ms, double4 infer ms, double5 cache ms,
 *   double6 HTTP status
 */
import type { RequestPointSink, RequestRecord } from "../../core/observability/request-log.ts";

/** The part of the binding used here (workers-types' AnalyticsEngineDataset). */
export interface DataPointSink {
  writeDataPoint(point: { indexes?: string[]; blobs?: string[]; doubles?: number[] }): void;
}

export function requestDataPoint(record: RequestRecord): { indexes: string[]; blobs: string[]; doubles: number[] } {
  const t = record.timings;
  return {
    indexes: [(record.model ?? "-").slice(0, 96)],
    blobs: [
      record.model ?? "",
      record.version === undefined ? "" : String(record.version),
      `${Math.floor(record.status / 100)}xx`,
      record.route,
      record.error ?? "",
      record.cache ?? "",
      record.request_id,
    ],
    doubles: [record.ms, t.kv ?? 0, t.load ?? 0, t.infer ?? 0, t.cache ?? 0, record.status],
  };
}

/** Writes the request's data point when the binding exists; a throwing binding is logged, not raised. */
export function writeRequestPoint(
  dataset: DataPointSink | undefined,
  record: RequestRecord,
  log: (event: string, detail: Record<string, unknown>) => void,
): void {
  if (!dataset) return;
  try {
    dataset.writeDataPoint(requestDataPoint(record));
  } catch (err) {
    log("analytics_failed", { request_id: record.request_id, error: String(err) });
  }
}

/** The RequestPointSink over a dataset binding, or undefined when the Worker has none. */
export function analyticsEngineSink(dataset: DataPointSink | undefined): RequestPointSink | undefined {
  return dataset && ((record, log) => writeRequestPoint(dataset, record, log));
}
