/** Reports a finished request: its log line, and its Analytics Engine data point when bound. */
import { analyticsEngineSink, type DataPointSink } from "../adapters/analytics-engine/data-point.ts";
import { type RequestRecord, reportRequest as report } from "../core/observability/request-log.ts";

export type { RequestRecord };

export function reportRequest(env: unknown, record: RequestRecord): void {
  report(record, analyticsEngineSink((env as { ANALYTICS?: DataPointSink } | undefined)?.ANALYTICS));
}
