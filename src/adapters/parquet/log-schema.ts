/**
 * The prediction log's Parquet files (docs/monitoring.md, "Prediction log"), written with
 * hyparquet-writer: pure JavaScript, no Node APIs in its browser build, so it runs in workerd
 * without nodejs_compat. Hive-partitioned: model, version and date are in the object's path
 * (./paths in core/monitoring/partition.ts), not in the file, so DuckDB's and pyarrow's hive
 * readers add them without a duplicate column. `features` is LIST<FLOAT>: the float32 values the
 * model received, bit for bit; `lookups` is LIST<STRUCT>; `fields` and `outputs` are JSON text.
 */
import { type ColumnSource, parquetWriteBuffer, type SchemaElement } from "hyparquet-writer";
import type { OutcomeRecord, PredictionRecord } from "../../core/monitoring/record.ts";

type Repetition = "REQUIRED" | "OPTIONAL";
export const text = (name: string, r: Repetition = "REQUIRED"): SchemaElement => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: r,
});
const json = (name: string, r: Repetition): SchemaElement => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "JSON",
  repetition_type: r,
});
export const instant = (name: string, r: Repetition = "REQUIRED"): SchemaElement => ({
  name,
  type: "INT64",
  repetition_type: r,
  logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
});
const scalar = (name: string, type: "INT32" | "DOUBLE"): SchemaElement => ({ name, type, repetition_type: "REQUIRED" });

/** The prediction file's columns, in order (the `root` element first). */
export const PREDICTION_SCHEMA: SchemaElement[] = [
  { name: "root", num_children: 14 },
  instant("time"),
  text("request_id"),
  text("protocol"),
  text("arm"),
  text("label", "OPTIONAL"),
  scalar("row", "INT32"),
  text("key", "OPTIONAL"),
  instant("as_of", "OPTIONAL"),
  json("fields", "OPTIONAL"),
  { name: "features", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", type: "FLOAT", repetition_type: "REQUIRED" },
  json("outputs", "REQUIRED"),
  scalar("score", "DOUBLE"),
  { name: "lookups", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", repetition_type: "REQUIRED", num_children: 4 },
  text("lookup"),
  text("key"),
  text("status"),
  text("updated_at", "OPTIONAL"),
  scalar("latency_ms", "DOUBLE"),
];

export const OUTCOME_SCHEMA: SchemaElement[] = [
  { name: "root", num_children: 3 },
  text("key"),
  scalar("value", "DOUBLE"),
  instant("time"),
];

const date = (iso: string | null) => (iso === null ? null : new Date(iso));
/** NaN travels through the queue's JSON as null; in the file it is NaN again. */
const num = (v: number | null) => (v === null ? Number.NaN : v);

export function write(schema: SchemaElement[], columnData: ColumnSource[]): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({ schema, columnData, createdBy: "stateless-serve prediction log" }));
}

export function predictionsParquet(records: readonly PredictionRecord[]): Uint8Array {
  return write(PREDICTION_SCHEMA, predictionColumns(records));
}

/** The prediction columns' data, in PREDICTION_SCHEMA's order (the training export adds its own). */
export function predictionColumns(records: readonly PredictionRecord[]): ColumnSource[] {
  const col = <T>(name: string, get: (r: PredictionRecord) => T, statistics = true): ColumnSource => ({
    name,
    data: records.map(get) as ColumnSource["data"],
    statistics,
  });
  return [
    col("time", (r) => date(r.time)),
    col("request_id", (r) => r.request_id),
    col("protocol", (r) => r.protocol),
    col("arm", (r) => r.arm),
    col("label", (r) => r.label),
    col("row", (r) => r.row),
    col("key", (r) => r.key),
    col("as_of", (r) => date(r.as_of)),
    // JSON columns take values: the writer prints them (so the JSON text is parsed back first).
    col("fields", (r) => (r.fields === null ? null : JSON.parse(r.fields))),
    col("features", (r) => r.features.map(num), false),
    col("outputs", (r) => r.outputs),
    col("score", (r) => num(r.score), false),
    col("lookups", (r) => r.lookups),
    col("latency_ms", (r) => r.latency_ms, false),
  ];
}

export function outcomesParquet(records: readonly OutcomeRecord[]): Uint8Array {
  return write(OUTCOME_SCHEMA, [
    { name: "key", data: records.map((r) => r.key) },
    { name: "value", data: records.map((r) => r.value), statistics: false },
    { name: "time", data: records.map((r) => new Date(r.time)) },
  ]);
}
