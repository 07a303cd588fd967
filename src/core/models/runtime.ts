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
  /**
   * Which execution path serves this version ("lean": a prepared plan, "tfjs": TF.js), reported in
   * v2 metadata (`parameters.runtime`) and the request log. Fixed at load, so a version's answers
   * are deterministic for a given runtime configuration.
   */
  runtime?: string;
}

export interface ModelRuntime {
  /**
   * Names the runtime's configuration (e.g. "tfjs", "lean(tfjs)"): part of the registry's memo key,
   * so versions loaded under one configuration are never served under another.
   */
  id?: string;
  /**
   * Loads a converter-format artifact: `files` holds model.json and its weight shards by file
   * name. A broken artifact is a 503 (`modelNotReady`) naming `label`, never a thrown TypeError.
   */
  load(files: ReadonlyMap<string, ArrayBuffer>, label: string): Promise<LoadedModel>;
}
