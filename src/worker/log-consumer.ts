/**
 * The prediction log's queue consumer (the Worker's `queue()` handler; docs/monitoring.md):
 * - LOG_QUEUE batches: each well-formed message is written to its Hive partition as Parquet
 *   (one file per partition present in the batch, named by that partition's first message id,
 *   so a redelivered batch rewrites the same objects), then folded into the quality sink when
 *   one is wired, then acked. A message that is not a record, or whose file or fold failed, is
 *   retried explicitly; after `max_retries` Queues moves it to the dead-letter queue.
 * - Dead-letter batches (queue name ending in "-dlq"): kept whole in R2 under
 *   logs/dead-letter/date=<day>/<first message id>.json, then acked. Nothing is dropped unseen.
 */
import { type LogFiles, r2LogFiles } from "../adapters/r2/log-files.ts";
import { byPartition, checkRecord } from "../core/monitoring/partition.ts";
import type { QualitySink, QueueRecord } from "../core/monitoring/record.ts";
import { log as defaultLog, type Log } from "../core/observability/log.ts";

interface Item {
  message: Message<unknown>;
  record: QueueRecord;
}

export async function consumeLog(
  batch: MessageBatch<unknown>,
  files: LogFiles,
  quality?: QualitySink,
  log: Log = defaultLog,
): Promise<void> {
  if (batch.queue.endsWith("-dlq")) return keepDeadLetters(batch, files, log);
  const items: Item[] = [];
  for (const message of batch.messages) {
    const record = checkRecord(message.body);
    if (typeof record === "string") {
      log("log_message_malformed", { queue: batch.queue, id: message.id, attempts: message.attempts, reason: record });
      message.retry();
    } else items.push({ message, record });
  }
  const failed = new Set<Item>();
  for (const [dir, group] of byPartition(items)) {
    try {
      await files.writeParquet(
        dir,
        group[0]!.message.id,
        group.map((i) => i.record),
      );
    } catch (err) {
      log("log_write_failed", { queue: batch.queue, dir, messages: group.length, error: String(err) });
      for (const item of group) failed.add(item);
    }
  }
  const written = items.filter((i) => !failed.has(i));
  if (quality && written.length > 0) {
    try {
      await quality.fold(written.map((i) => i.record));
    } catch (err) {
      log("log_fold_failed", { queue: batch.queue, messages: written.length, error: String(err) });
      for (const item of written) failed.add(item);
    }
  }
  for (const item of items) {
    if (failed.has(item)) item.message.retry();
    else item.message.ack();
  }
}

async function keepDeadLetters(batch: MessageBatch<unknown>, files: LogFiles, log: Log): Promise<void> {
  const first = batch.messages[0];
  if (!first) return;
  const letters = batch.messages.map((m) => ({
    id: m.id,
    timestamp: m.timestamp.toISOString(),
    attempts: m.attempts,
    body: m.body,
  }));
  try {
    const path = await files.writeDeadLetters(
      `date=${first.timestamp.toISOString().slice(0, 10)}/${first.id}`,
      letters,
    );
    log("log_dead_letters", { queue: batch.queue, messages: letters.length, path });
    batch.ackAll();
  } catch (err) {
    log("log_dead_letters_failed", { queue: batch.queue, messages: letters.length, error: String(err) });
    batch.retryAll();
  }
}

/** The Worker's `queue()` handler: the LOGS bucket, and the quality sink when one is wired (./quality.ts). */
export function logQueueHandler(qualityOf: (env: Env) => QualitySink | undefined) {
  return (batch: MessageBatch<unknown>, env: Env, _ctx?: ExecutionContext) =>
    consumeLog(batch, r2LogFiles((env as unknown as { LOGS: R2Bucket }).LOGS), qualityOf(env));
}
