/**
 * The RPC contract of stateless-serve: what a Worker bound to its `Predictor` entrypoint may call,
 * and the plain (structured-clone) objects that go in and come out. No imports, so a consumer's
 * TypeScript reads this file alone; src/rpc/predictor.ts `implements PredictorApi`, so the compiler
 * checks the implementation (and the core types it returns) against this contract.
 */

/** A JSON value: what predictions, tensor data and parameters hold. */
export type Json = null | boolean | number | string | JsonArray | JsonObject;
export interface JsonArray extends Array<Json> {}
export interface JsonObject {
  [key: string]: Json;
}

/** Open Inference Protocol datatypes. */
export type Datatype =
  | "BOOL"
  | "UINT8"
  | "UINT16"
  | "UINT32"
  | "UINT64"
  | "INT8"
  | "INT16"
  | "INT32"
  | "INT64"
  | "FP16"
  | "FP32"
  | "FP64"
  | "BYTES";

/** Which version answers `predict`: an explicit version, a label, or (neither) the newest. */
export interface PredictOptions {
  version?: number;
  label?: string;
  /** Must equal the model's signature name when given (TF Serving's `signature_name`). */
  signatureName?: string;
  /** When the prediction is made (v1 `as_of`): an ISO 8601 instant, or the flights origin's local "YYYY-MM-DDTHH:MM"; context known later is not used. */
  asOf?: string;
  /** Models with a declared context: each prediction carries its row's context (v1 `context`). */
  context?: boolean;
}

/** TF Serving row format: one prediction per instance, in order, with pass-through keys echoed. */
export interface PredictResponse {
  model_name: string;
  /** The version that answered (a string, as in both protocols). */
  model_version: string;
  predictions: Json[];
}

export interface InferOptions {
  version?: number;
}

export interface InferInput {
  name: string;
  shape: number[];
  datatype: Datatype;
  /** Nested or flat, row-major. */
  data: unknown[];
  parameters?: Record<string, unknown>;
}

/** Open Inference Protocol v2 inference request (the body of `POST …/infer`). */
export interface InferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: InferInput[];
  outputs?: Array<{ name: string; parameters?: Record<string, unknown> }>;
}

export interface InferOutput {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: Json[];
}

/** Open Inference Protocol v2 inference response: the request `id` comes back unchanged. */
export interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: JsonObject;
  outputs: InferOutput[];
}

export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  /** -1 marks a variable dimension. */
  shape: number[];
}

/** Open Inference Protocol v2 model metadata (`GET /v2/models/{name}[/versions/{v}]`). */
export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /** What the model declares beyond tensors, e.g. `context` (its manifest's context section). */
  parameters?: Record<string, unknown>;
}

/** `ready()`: the server has a model to serve. `ready(model)`: that model loads. */
export interface Readiness {
  ready: boolean;
  /** The model asked about (absent for the server). */
  name?: string;
  /** Why the model cannot serve, when `ready` is false. */
  error?: string;
}

/**
 * The methods of the `Predictor` entrypoint. Every method rejects with an Error whose message
 * starts `ServeError [<CODE> <status>]: `; read it with `parseRpcError` (stateless-serve/client).
 */
export interface PredictorApi {
  /** TensorFlow Serving `:predict` in row format (`instances`). */
  predict(model: string, instances: unknown[], options?: PredictOptions): Promise<PredictResponse>;
  /** Open Inference Protocol v2 `infer`. */
  infer(model: string, request: InferRequest, options?: InferOptions): Promise<InferResponse>;
  /** Open Inference Protocol v2 model metadata; every version unless one is named. */
  metadata(model: string, version?: number): Promise<ModelMetadata>;
  /** Server readiness without a model; the model's readiness (newest version) with one. */
  ready(model?: string): Promise<Readiness>;
}
