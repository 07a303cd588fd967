/**
 * stateless-serve Worker entry: the HTTP app (TF Serving v1 + Open Inference Protocol v2),
 * the `Predictor` RPC entrypoint for service bindings, and the `AirportDay` Durable Object of the
 * flights live context's ingestion path (POST /ingest/flights/events), the prediction log's
 * queue consumer, the `Monitor` Durable Object of live quality (docs/monitoring.md), and the Cron
 * Trigger that evaluates staged rollouts (docs/rollouts.md).
 */
import { app } from "./http/app.ts";
import { logQueueHandler } from "./worker/log-consumer.ts";
import { qualitySink } from "./worker/quality.ts";
import { scheduledHandler } from "./worker/rollouts.ts";

export { Monitor } from "./adapters/durable-objects/monitor.ts";
export { StreamEntity } from "./adapters/durable-objects/stream-entity.ts";
export { AirportDay } from "./adapters/flights/airport-day.ts";
export { Predictor } from "./rpc/predictor.ts";

export default {
  fetch: app.fetch,
  // The prediction log's consumer: Parquet files in R2, dead letters kept (docs/monitoring.md).
  queue: logQueueHandler(qualitySink),
  // The Cron Trigger: every active staged rollout is evaluated (docs/rollouts.md).
  scheduled: scheduledHandler,
} satisfies ExportedHandler<Env>;
