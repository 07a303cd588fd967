/**
 * The one predict path. v1, v2 and RPC only decode their requests into named host tensors
 * and encode what comes back; resolving, loading, preprocessing and running happen here.
 */

import { cachedRun, type PredictionCache } from "../cache/prediction-cache.ts";
import type { NamedOutput } from "../codecs/v1.ts";
import { invalidInput, modelNotReady, ServeError } from "../errors.ts";
import type { ModelRef, Registry, ServedModel } from "../models/registry.ts";
import type { Capture } from "../monitoring/capture.ts";
import type { Span, Trace } from "../observability/trace.ts";
import type { ContextStore, PrepareOptions } from "../pipeline/plugin.ts";
import type { NamedTensors, Signature } from "../tensors/spec.ts";
import type { Limits } from "../tensors/tensors.ts";
import { recordingStore, type ShadowHook } from "./shadow.ts";

export interface Deps {
  registry: Registry;
  context: ContextStore;
  limits: Limits;
  /** Where to report faults that become a 5xx (the Worker logs them). */
  log?: (event: string, detail: Record<string, unknown>) => void;
  /** This request's recorder: spans (kv, load, cache, infer), the model that answered, cache outcome. */
  trace?: Trace;
  /** The opt-in prediction cache (PREDICTION_CACHE=on); absent when off. */
  predictionCache?: PredictionCache;
  /** Whose prediction-cache entries this request reads and writes ("" or absent: shared). */
  cacheScope?: string;
  /** This request's prediction-log capture (PREDICTION_LOG=on with a queue bound); absent when off. */
  capture?: Capture;
  /** This request's shadow run (./shadow.ts), wired with the prediction log; absent when logging is off. */
  shadow?: ShadowHook;
}

const measure = <T>(deps: Deps, span: Span, fn: () => Promise<T>): Promise<T> =>
  deps.trace ? deps.trace.measure(span, fn) : fn();

/** Resolves and loads a model, hands it to `use`, and releases it afterwards. */
export async function withModel<T>(deps: Deps, ref: ModelRef, use: (model: ServedModel) => Promise<T>): Promise<T> {
  const model = await measure(deps, "load", async () => {
    const { name, version, arm, shadow } = await deps.registry.resolve(ref);
    deps.capture?.chose({ name, version, arm, label: ref.label ?? null });
    deps.shadow?.chose({ name, version, arm, ...(shadow ? { shadow } : {}) });
    return deps.registry.load(name, version);
  });
  deps.trace?.served(model.name, model.version, model.model.runtime);
  try {
    return await use(model);
  } finally {
    deps.registry.release(model);
  }
}

/** Inputs whose leading dimension is the batch must agree on its size. */
function checkBatch(signature: Signature, inputs: NamedTensors): void {
  let first: { name: string; size: number } | undefined;
  for (const spec of signature.inputs) {
    const size = inputs[spec.name]?.shape[0];
    if (spec.shape[0] !== -1 || size === undefined) continue;
    if (!first) first = { name: spec.name, size };
    else if (size !== first.size) {
      throw invalidInput(
        `inputs: '${spec.name}' has ${size} rows but '${first.name}' has ${first.size}; batched inputs must agree`,
      );
    }
  }
}

/** Runs a loaded model on public inputs and returns the requested public outputs, in order. */
export async function predict(
  deps: Deps,
  model: ServedModel,
  inputs: NamedTensors,
  requested?: readonly string[],
  rowName?: (row: number) => string,
  options: PrepareOptions = {},
): Promise<NamedOutput[]> {
  checkBatch(model.signature, inputs);
  const outputNames = requested ?? model.signature.outputs.map((s) => s.name);
  const specs = outputNames.map((name) => {
    const spec = model.signature.outputs.find((s) => s.name === name);
    if (!spec) throw invalidInput(`outputs: unknown output '${name}'`);
    return spec;
  });
  const internal = (name: string, sig: Signature["outputs"]) => sig.find((s) => s.name === name)?.tensor ?? name;
  // A sampled shadow reads the answer's context again from what this request read (./shadow.ts).
  const shadowing = deps.shadow?.active ? recordingStore(deps.context) : undefined;
  const shadow = (outputs: readonly NamedOutput[]) =>
    shadowing &&
    deps.shadow?.ran({ outputs, ...(model.monitoring ? { monitoring: model.monitoring } : {}) }, (version, capture) =>
      runShadow(deps, model, version, capture, shadowing.replay, { inputs, requested, rowName, options }),
    );
  try {
    if (model.pipeline) {
      const store = shadowing?.recording ?? deps.context;
      const context: ContextStore = { getMany: (keys) => measure(deps, "kv", () => store.getMany(keys)) };
      const prepared = await model.pipeline.prepare(inputs, context, rowName, {
        ...options,
        ...(requested ? { outputs: requested } : {}),
      });
      const raw = await run(
        deps,
        model,
        prepared.modelInputs,
        model.modelSignature.outputs.map((s) => s.tensor ?? s.name),
      );
      const outputs = prepared.finish(raw);
      // Outputs a pipeline gives only on request (declarative `context`) are left out when not asked for.
      const answered = specs
        .filter((spec) => outputs[spec.name])
        .map((spec) => ({ spec, tensor: outputs[spec.name]! }));
      deps.capture?.ran({
        inputs,
        features: prepared.modelInputs,
        outputs: answered,
        ...(model.monitoring ? { monitoring: model.monitoring } : {}),
        ...(prepared.capture ? { rows: prepared.capture } : {}),
      });
      shadow(answered);
      return answered;
    }
    const feeds: NamedTensors = {};
    for (const spec of model.signature.inputs) feeds[spec.tensor ?? spec.name] = inputs[spec.name]!;
    const raw = await run(
      deps,
      model,
      feeds,
      specs.map((s) => internal(s.name, model.signature.outputs)),
    );
    const answered = specs.map((spec) => ({ spec, tensor: raw[internal(spec.name, model.signature.outputs)]! }));
    deps.capture?.ran({
      inputs,
      features: feeds,
      outputs: answered,
      ...(model.monitoring ? { monitoring: model.monitoring } : {}),
    });
    shadow(answered);
    return answered;
  } catch (err) {
    if (err instanceof ServeError) throw err;
    deps.log?.("inference_failed", { model: model.name, version: model.version, error: String(err) });
    throw new ServeError(500, "INTERNAL", `model '${model.name}' version ${model.version} failed while running`);
  }
}

/**
 * The shadow version on the answer's inputs and options (so the same `as_of` and `now`), its context
 * replayed from the answer's reads; no trace, no prediction cache, no second shadow. Runs after
 * the request ended (./shadow.ts); whatever it throws is the shadow's failure, not the caller's.
 */
async function runShadow(
  deps: Deps,
  served: ServedModel,
  version: number,
  capture: Capture,
  context: ContextStore,
  request: {
    inputs: NamedTensors;
    requested?: readonly string[];
    rowName?: (row: number) => string;
    options: PrepareOptions;
  },
): Promise<void> {
  const model = await deps.registry.load(served.name, version);
  try {
    sameInputs(served, model);
    const own: Deps = {
      registry: deps.registry,
      context,
      limits: deps.limits,
      capture,
      log: (event, detail) => deps.log?.(`shadow_${event}`, detail),
    };
    await predict(own, model, request.inputs, request.requested, request.rowName, request.options);
  } finally {
    deps.registry.release(model);
  }
}

/** The shadow must take the inputs the answering version decoded (same names, dtypes and shapes). */
function sameInputs(served: ServedModel, shadow: ServedModel): void {
  const fits = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((d, i) => d === b[i] || d === -1 || b[i] === -1);
  const differs = shadow.signature.inputs.filter(
    (spec) =>
      !served.signature.inputs.some((s) => s.name === spec.name && s.dtype === spec.dtype && fits(s.shape, spec.shape)),
  );
  if (differs.length === 0) return;
  const list = (specs: Signature["inputs"]) =>
    specs.map((s) => `${s.name} (${s.dtype} [${s.shape.join(", ")}])`).join(", ");
  throw modelNotReady(
    `shadow version ${shadow.version} of model '${served.name}' takes inputs ${list(shadow.signature.inputs)}; version ${served.version} decoded ${list(served.signature.inputs)}`,
  );
}

/** Runs the model (timed as `infer`), through the prediction cache when it is on. */
function run(
  deps: Deps,
  model: ServedModel,
  feeds: NamedTensors,
  outputNames: readonly string[],
): Promise<NamedTensors> {
  const infer = () => measure(deps, "infer", () => model.model.run(feeds, outputNames));
  const cache = deps.predictionCache;
  if (!cache) return infer();
  return cachedRun(
    {
      cache,
      scope: deps.cacheScope ?? "",
      modelSha256: model.sha256,
      outputNames,
      inputs: feeds,
      measure: (span, fn) => measure(deps, span, fn),
      outcome: (outcome) => deps.trace?.cached(outcome),
      log: (event, detail) => deps.log?.(event, { model: model.name, version: model.version, ...detail }),
    },
    infer,
  );
}
