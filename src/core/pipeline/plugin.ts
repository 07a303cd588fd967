/**
 * Pipelines turn raw client fields into model tensors and back: validation, context join
 * (read from an external store such as Workers KV) and feature preprocessing live here, so
 * clients send only what they know. A model opts in with `preprocess.kind` in its manifest.
 */
import type { NamedTensors, Signature } from "../tensors/spec.ts";
import type { ContextStore } from "./context-store.ts";

export type { ContextResult, ContextStore } from "./context-store.ts";

export interface PreparedBatch {
  /** Model inputs, keyed by the model's internal tensor names. */
  modelInputs: NamedTensors;
  /** Maps the model's outputs (keyed by internal tensor name) to the public outputs. */
  finish(modelOutputs: NamedTensors): NamedTensors;
}

/** What a request says besides its inputs. */
export interface PrepareOptions {
  /** The prediction time as sent (`as_of` in v1 and RPC, `parameters.as_of` in v2) and the field that carried it. */
  asOf?: { value: unknown; field: string };
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
}

/** Builds a pipeline from a manifest's `preprocess.params` and the model's own signature. */
export type PipelineFactory = (params: Record<string, unknown>, model: Signature, label: string) => Pipeline;
