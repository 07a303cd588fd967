/**
 * The ModelRuntime port: what the registry needs from an ML runtime, and nothing of how it is done.
 * The Worker wires the TF.js runtime (src/runtime/tfjs); unit tests may wire a fake. Core code
 * never imports a runtime, so a model format or framework is added beside it, not inside it.
 */
import type { ModelFormat, NamedTensors, TensorSpec } from "../tensors/spec.ts";

export interface LoadedModel {
  format: ModelFormat;
  /** The tensors the model itself declares (internal names, -1 for unknown dims). */
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /**
   * Set when the model does not say some outputs' shapes and they could not be learned (their
   * `shape` here means nothing): a manifest must give them. `reason` says what was tried.
   */
  unknownShapes?: { outputs: string[]; reason: string };
  /** Runs the model on inputs keyed by internal tensor name; returns outputs keyed likewise. */
  run(inputs: NamedTensors, outputNames: readonly string[]): Promise<NamedTensors>;
  dispose(): void;
}

export interface ModelRuntime {
  /**
   * Loads a converter-format artifact: `files` holds model.json and its weight shards by file
   * name. A broken artifact is a 503 (`modelNotReady`) naming `label`, never a thrown TypeError.
   */
  load(files: ReadonlyMap<string, ArrayBuffer>, label: string): Promise<LoadedModel>;
}
