/**
 * Wiring of the prediction log on the predict path (docs/monitoring.md, "Prediction log"): with
 * PREDICTION_LOG=on and the LOG_QUEUE producer bound, each request gets a capture
 * (core/monitoring/capture.ts), and when it ends its records are built and sent inside
 * `ctx.waitUntil`. The answer never waits for the queue; a failed send is logged
 * (`prediction_log_failed`) and never reaches the caller. The model's shadow version, when its
 * pointer record names one, runs on the sampled requests after they ended (core/serving/shadow.ts),
 * logging to the same queue: with the log off there is no shadow either.
 */
import { queueLogSink } from "../adapters/queues/log-sink.ts";
import { type Capture, createCapture } from "../core/monitoring/capture.ts";
import type { Log } from "../core/observability/log.ts";
import { createShadow, type ShadowHook } from "../core/serving/shadow.ts";
import type { Settings } from "./settings.ts";

export interface RequestEnd {
  status: number;
  code?: string | undefined;
  latencyMs: number;
}

/** Ends a request's capture: schedules its records and returns how many there are (for the request log line). */
export type LogPredictions = (end: RequestEnd) => number;

export function predictionLog(
  env: Env,
  settings: Settings,
  request: { requestId: string; protocol: string; waitUntil?: ((promise: Promise<unknown>) => void) | undefined },
  log: Log,
): { capture: Capture; shadow: ShadowHook; finish: LogPredictions } | undefined {
  const queue = (env as { LOG_QUEUE?: Queue }).LOG_QUEUE;
  if (!settings.predictionLog || !queue) return undefined;
  const capture = createCapture(request.protocol);
  const sink = queueLogSink(queue);
  const shadow = createShadow({ ...request, sink, log });
  const finish: LogPredictions = (end) => {
    const ending = { requestId: request.requestId, time: Date.now(), ...end };
    const count = capture.count(ending);
    if (count > 0) {
      const sending = capture
        .records(ending)
        .then((records) => sink.send(records))
        .catch((err) =>
          log("prediction_log_failed", { request_id: request.requestId, records: count, error: String(err) }),
        );
      request.waitUntil?.(sending);
    }
    shadow.finish(ending);
    return count;
  };
  return { capture, shadow, finish };
}
