/**
 * `npm run logs -- export`: a training set from the prediction log (docs/monitoring.md, "Export").
 * Reads the model's Parquet files from the LOGS bucket (Hive partitions in the object keys), keeps
 * each logged row once (a batch Queues redelivered under another grouping may have written it
 * twice: rows are unique by request_id + row, and arm `shadow` for a shadow version's rows), joins the latest outcome per key, and writes one
 * Parquet file: the rows exactly as they were served (features as the model received them), plus
 * model, version, and outcome_value / outcome_time (null when no outcome arrived yet).
 */
import { parquetReadObjects } from "hyparquet";
import type { SchemaElement } from "hyparquet-writer";
import { instant, PREDICTION_SCHEMA, predictionColumns, text, write } from "../../src/adapters/parquet/log-schema.ts";
import type { LookupRecord, PredictionRecord } from "../../src/core/monitoring/record.ts";

/** What the export reads: object keys under a prefix, and an object's bytes. */
export interface LogStore {
  list(prefix: string): Promise<string[]>;
  get(key: string): Promise<ArrayBuffer>;
}

export interface ExportOptions {
  model: string;
  version?: number;
  /** Inclusive UTC dates, YYYY-MM-DD. */
  from: string;
  to: string;
  withOutcomes: boolean;
}

export interface Exported {
  bytes: Uint8Array;
  rows: number;
  joined: number;
  files: number;
}

const partitionValue = (key: string, name: string) =>
  decodeURIComponent(new RegExp(`/${name}=([^/]+)/`).exec(key)?.[1] ?? "");

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);

function toRecord(row: Row, model: string, version: number): PredictionRecord {
  return {
    kind: "prediction",
    time: iso(row.time)!,
    request_id: String(row.request_id),
    protocol: String(row.protocol),
    model,
    version,
    arm: row.arm as PredictionRecord["arm"],
    label: (row.label as string | null) ?? null,
    row: Number(row.row),
    key: (row.key as string | null) ?? null,
    as_of: iso(row.as_of),
    fields: row.fields === null || row.fields === undefined ? null : JSON.stringify(row.fields),
    features: Array.from(row.features as number[]),
    outputs: row.outputs as Record<string, number[]>,
    score: Number(row.score),
    lookups: row.lookups as LookupRecord[],
    latency_ms: Number(row.latency_ms),
  };
}

export async function exportLog(store: LogStore, options: ExportOptions): Promise<Exported> {
  const model = encodeURIComponent(options.model);
  const keys = (await store.list(`logs/predictions/model=${model}/`)).filter((key) => {
    const date = partitionValue(key, "date");
    const version = Number(partitionValue(key, "version"));
    return (
      key.endsWith(".parquet") &&
      date >= options.from &&
      date <= options.to &&
      (options.version === undefined || version === options.version)
    );
  });
  const seen = new Set<string>();
  const records: PredictionRecord[] = [];
  for (const key of keys.sort()) {
    const version = Number(partitionValue(key, "version"));
    for (const row of (await parquetReadObjects({ file: await store.get(key) })) as Row[]) {
      const record = toRecord(row, options.model, version);
      // A shadow's row shares request_id and row with the answer's (arm tells them apart).
      const id = `${record.request_id}\n${record.row}${record.arm === "shadow" ? "\nshadow" : ""}`;
      if (seen.has(id)) continue;
      seen.add(id);
      records.push(record);
    }
  }
  records.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.row - b.row));

  // The latest outcome per key, from every outcome file of the model (outcomes arrive later than
  // their predictions, so their dates are not the predictions' dates).
  const latest = new Map<string, { value: number; time: Date }>();
  let files = keys.length;
  if (options.withOutcomes) {
    const outcomeKeys = (await store.list(`logs/outcomes/model=${model}/`)).filter((k) => k.endsWith(".parquet"));
    files += outcomeKeys.length;
    for (const key of outcomeKeys) {
      for (const o of (await parquetReadObjects({ file: await store.get(key) })) as Row[]) {
        const seenOutcome = latest.get(String(o.key));
        const time = o.time as Date;
        if (!seenOutcome || time > seenOutcome.time) latest.set(String(o.key), { value: Number(o.value), time });
      }
    }
  }
  const outcomes = records.map((r) => (r.key === null ? undefined : latest.get(r.key)));
  const extra: SchemaElement[] = options.withOutcomes
    ? [{ name: "outcome_value", type: "DOUBLE", repetition_type: "OPTIONAL" }, instant("outcome_time", "OPTIONAL")]
    : [];
  const columns = PREDICTION_SCHEMA.filter((e) => e.name !== "root");
  const topLevel = 2 + (PREDICTION_SCHEMA[0]!.num_children ?? 0) + extra.length;
  const schema: SchemaElement[] = [
    { name: "root", num_children: topLevel },
    text("model"),
    { name: "version", type: "INT32", repetition_type: "REQUIRED" },
    ...columns,
    ...extra,
  ];
  const bytes = write(schema, [
    { name: "model", data: records.map((r) => r.model) },
    { name: "version", data: records.map((r) => r.version) },
    ...predictionColumns(records),
    ...(options.withOutcomes
      ? [
          { name: "outcome_value", data: outcomes.map((o) => o?.value ?? null) },
          { name: "outcome_time", data: outcomes.map((o) => o?.time ?? null) },
        ]
      : []),
  ]);
  return { bytes, rows: records.length, joined: outcomes.filter(Boolean).length, files };
}
