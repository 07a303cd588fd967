/**
 * Pipelines turn raw client fields into model tensors and back: validation, context join
 * (read from an external store such as Workers KV) and feature preprocessing live here, so
 * clients send only what they know. A model opts in with `preprocess.kind` in its manifest.
 */
import type { RowContext } from "../monitoring/capture.ts";
import type { NamedTensors, Signature } from "../tensors/spec.ts";
import type { ContextStore } from "./context-store.ts";

export type { ContextResult, ContextStore } from "./context-store.ts";

export interface PreparedBatch {
  /** Model inputs, keyed by the model's internal tensor names. */
  modelInputs: NamedTensors;
  /** Maps the model's outputs (keyed by internal tensor name) to the public outputs. */
  finish(modelOutputs: NamedTensors): NamedTensors;
  /**
   * Each row's effective as_of and lookups for the prediction log, computed only when called
   * (after the answer, and only when logging is on): free for requests that are not logged.
   */
  capture?(): RowContext[];
}

export interface Pipeline {
  /** The public signature clients see (raw fields in, friendly outputs out). */
  signature: Signature;
  /**
   * Validates raw inputs (400 naming the row and field), reads their context and builds the
   * model inputs. `rowName(i)` says how the client addressed row i (e.g. `instances[3]`).
   */
  prepare(
    inputs: NamedTensors,
    context: ContextStore,
    rowName?: (row: number) => string,
    options?: PrepareOptions,
  ): Promise<PreparedBatch>;
  /** What the model's metadata shows besides its signature (v2 metadata `parameters`), e.g. its context spec. */
  metadata?: Record<string, unknown>;
}

/** What a request says beyond its tensors (v1 top-level fields, v2 `parameters`, the same over RPC). */
export interface PrepareOptions {
  /** The request's `as_of`, unparsed (each pipeline documents the forms it takes). */
  asOf?: string;
  /** The field that carried `as_of`, for error messages: `as_of` (v1, RPC) or `parameters.as_of` (v2). */
  asOfField?: string;
  /** Whether the client asked for each row's context (v1 `"context": true`, v2 `parameters.context`). */
  explain?: boolean;
  /** Output names the client asked for explicitly (v2 `outputs`); undefined = the default set. */
  outputs?: readonly string[];
  /** When the request arrived (epoch ms): the `as_of` of a request that names none. */
  now?: number;
}

/** Builds a pipeline from a manifest's `preprocess.params` and the model's own signature. */
export type PipelineFactory = (params: Record<string, unknown>, model: Signature, label: string) => Pipeline;
