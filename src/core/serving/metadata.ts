/**
 * What the Open Inference Protocol says about models and the server: model metadata
 * (`GET /v2/models/{name}[/versions/{v}]`), model readiness (`…/ready`) and server readiness
 * (`GET /v2/health/ready`). Shared by the HTTP routes and the RPC entrypoint, so both answer alike.
 */

import { ServeError } from "../errors.ts";
import type { ModelRef, ServedModel } from "../models/registry.ts";
import { type V2Datatype, v2DatatypeOf } from "../tensors/dtypes.ts";
import type { TensorSpec } from "../tensors/spec.ts";
import { type Deps, withModel } from "./dataplane.ts";

export interface TensorMetadata {
  name: string;
  datatype: V2Datatype;
  /** -1 marks a variable dimension. */
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /** What the model declares beyond tensors, e.g. `context` (its manifest's context section). */
  parameters?: Record<string, unknown>;
}

export interface ModelReadiness {
  name: string;
  ready: boolean;
  /** Why a model that exists cannot serve (only when `ready` is false). */
  error?: string;
}

const tensorMetadata = (spec: TensorSpec): TensorMetadata => ({
  name: spec.name,
  datatype: v2DatatypeOf(spec.dtype),
  shape: spec.shape,
});

function platformOf(model: ServedModel): string {
  return model.format === "layers-model" ? "tensorflowjs_layers" : "tensorflowjs_graph";
}

/** Metadata of a model: every version when none is named, else the one named. */
export async function modelMetadata(deps: Deps, ref: ModelRef): Promise<ModelMetadata> {
  const resolved = await deps.registry.resolve(ref);
  return withModel(deps, ref, async (model) => ({
    name: model.name,
    versions: (ref.version === undefined ? resolved.versions : [model.version]).map(String),
    platform: platformOf(model),
    inputs: model.signature.inputs.map(tensorMetadata),
    outputs: model.signature.outputs.map(tensorMetadata),
    ...parametersOf(model),
  }));
}

/**
 * `parameters`: the pipeline's declarations (e.g. `context`), the inputs' descriptions, when there
 * are any, and `runtime`, the execution path that serves the version ("lean" or "tfjs").
 */
function parametersOf(model: ServedModel): { parameters?: Record<string, unknown> } {
  const described = model.signature.inputs.filter((s) => s.description);
  const parameters: Record<string, unknown> = { ...model.pipeline?.metadata };
  if (model.model.runtime !== undefined) parameters.runtime = model.model.runtime;
  if (described.length > 0)
    parameters.input_descriptions = Object.fromEntries(described.map((s) => [s.name, s.description]));
  return Object.keys(parameters).length > 0 ? { parameters } : {};
}

/** Whether a model (resolved as `ref` names it) loads. An unknown model is an error, not "not ready". */
export async function modelReadiness(deps: Deps, ref: ModelRef): Promise<ModelReadiness> {
  const { name, version } = await deps.registry.resolve(ref);
  try {
    deps.registry.release(await deps.registry.load(name, version));
    return { name, ready: true };
  } catch (err) {
    if (!(err instanceof ServeError)) throw err;
    return { name, ready: false, error: err.message };
  }
}

/**
 * The server is ready when some source has a model to serve. Bounded work per call (the route is
 * open and unauthenticated): bundled models answer from memory; otherwise one KV list of at most
 * one key. No pointer record is read and no model loaded (per-model readiness is
 * `/v2/models/{name}/ready`).
 */
export function serverReady(deps: Deps): Promise<boolean> {
  return deps.registry.hasModels();
}
