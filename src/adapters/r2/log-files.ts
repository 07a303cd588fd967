/**
 * The prediction log's objects in R2 (binding LOGS): one Parquet file per partition of a queue
 * batch, named by the first message id, so a redelivered batch overwrites what it wrote before;
 * and the dead-letter queue's messages as JSON, kept for inspection and replay.
 */
import type { OutcomeRecord, PredictionRecord, QueueRecord } from "../../core/monitoring/record.ts";
import { outcomesParquet, predictionsParquet } from "../parquet/log-schema.ts";

export interface LogFiles {
  /** Writes one partition's records (all predictions or all outcomes) as `<dir>/<name>.parquet`. */
  writeParquet(dir: string, name: string, records: readonly QueueRecord[]): Promise<string>;
  /** Writes dead letters as one JSON object under `logs/dead-letter/`. */
  writeDeadLetters(name: string, letters: readonly unknown[]): Promise<string>;
}

export function r2LogFiles(bucket: R2Bucket): LogFiles {
  return {
    async writeParquet(dir, name, records) {
      const bytes =
        records[0]?.kind === "outcome"
          ? outcomesParquet(records as OutcomeRecord[])
          : predictionsParquet(records as PredictionRecord[]);
      const path = `${dir}/${name}.parquet`;
      await bucket.put(path, bytes, { httpMetadata: { contentType: "application/vnd.apache.parquet" } });
      return path;
    },
    async writeDeadLetters(name, letters) {
      const path = `logs/dead-letter/${name}.json`;
      await bucket.put(path, JSON.stringify(letters), { httpMetadata: { contentType: "application/json" } });
      return path;
    },
  };
}
