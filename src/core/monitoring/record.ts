/**
 * The closed loop's shared vocabulary (issue 19): what the predict path hands to the prediction
 * log (one `PredictionRecord` per answered row, one `ErrorRecord` per failed request), what an
 * outcome is, and the ports through which they leave the request. Transports and the wiring
 * build these; the queue consumer writes them to R2 (Parquet) and folds them into the live
 * quality aggregates. Nothing here is kept in memory: a port sends, it never accumulates.
 */

/** How the version that answered was chosen. `shadow`: a shadow run whose answer nobody saw. */
export type Arm = "explicit" | "label" | "default" | "canary" | "shadow";

/** Freshness of one lookup for one row (core/context/lookups.ts). */
export type LookupStatus = "present" | "missing" | "stale" | "future" | "error";

export interface LookupRecord {
  /** The lookup's name in the manifest's context section (or a plug-in's own name for it). */
  lookup: string;
  /** The KV key read. */
  key: string;
  status: LookupStatus;
  /** The value's `updated_at` (ISO 8601), or null when there was none. */
  updated_at: string | null;
}

/** One answered row. Field names are the Parquet column names (docs/monitoring.md). */
export interface PredictionRecord {
  kind: "prediction";
  /** When the answer was made (ISO 8601 instant, ms precision, Z). Partitions by its UTC date. */
  time: string;
  request_id: string;
  /** "v1" | "v2" | "rpc". */
  protocol: string;
  model: string;
  version: number;
  arm: Arm;
  /** The label asked for (`/labels/<l>`), when the version was chosen by label. */
  label: string | null;
  /** The row's index in its request. */
  row: number;
  /**
   * The row's join key for outcomes: v1 pass-through `key`, v2 `<id>#<row>` (or the declared key
   * field's value), or null. Hashed (`sha256:<hex>`) when the manifest says `monitoring.hash_key`.
   */
  key: string | null;
  /** The `as_of` the row was answered at (ISO 8601 instant), or null when the model has none. */
  as_of: string | null;
  /** The raw request fields of this row as JSON text; null when the manifest drops them. */
  fields: string | null;
  /** The feature vector the model received (after context and preprocessing), float32 values. */
  features: number[];
  /** The model's outputs for this row, by public output name, flattened row-major. */
  outputs: Record<string, number[]>;
  /** The first value of the model's first output: what quality is judged on. */
  score: number;
  lookups: LookupRecord[];
  /**
   * Milliseconds from the request's arrival to its answer (the whole request, not the row); on a
   * shadow row, the shadow run's own time (load, context, model).
   */
  latency_ms: number;
  /** Shadow rows only (arm `shadow`): what the version that answered said for the same row. */
  served?: ServedRow;
}

/** The answered side of a shadow row: the comparison's other half (core/monitoring/shadow.ts). */
export interface ServedRow {
  /** The version that answered the request, and how it was chosen. */
  version: number;
  arm: Arm;
  /** Its score for the row (the serving version's score output). */
  score: number;
  /** Whether the shadow predicts the same class (core/monitoring/shadow.ts predictedClass). */
  same_class: boolean;
}

/** One request that failed (counted by code in the live figures; not a row of the Parquet log). */
export interface ErrorRecord {
  kind: "error";
  time: string;
  request_id: string;
  protocol: string;
  model: string;
  version: number | null;
  arm: Arm | null;
  /** core/errors.ts ErrorCode, e.g. INVALID_INPUT, MODEL_NOT_READY, INTERNAL. */
  code: string;
  status: number;
  latency_ms: number;
}

export type LogRecord = PredictionRecord | ErrorRecord;

/** A true value for a key, reported later (POST /v2/models/{name}/outcomes, or flights' arrivals). */
export interface Outcome {
  model: string;
  key: string;
  /** 0/1 for binary models, a number for regression. */
  value: number;
  /** When the outcome became known (ISO 8601 instant). */
  time: string;
}

/** An outcome on the queue (the outcomes route sends it; the consumer logs it to R2 and joins it). */
export interface OutcomeRecord extends Outcome {
  kind: "outcome";
}

/** Everything the log queue carries. */
export type QueueRecord = LogRecord | OutcomeRecord;

/**
 * Where the queue consumer folds each batch into the live figures (the Monitor Durable Object in
 * the Worker). It must be idempotent: a retried batch folds the same records again, and a record
 * (prediction: request_id + row; error: request_id; outcome: model + key + value) counts once.
 */
export interface QualitySink {
  fold(records: QueueRecord[]): Promise<void>;
}

/** Where a request's log records go (a Cloudflare Queue in the Worker). Never awaited by the answer. */
export interface PredictionLogSink {
  /** LogRecords from the predict path; OutcomeRecords from the outcomes route and the flights feed (h19c). */
  send(records: QueueRecord[]): Promise<void>;
}
