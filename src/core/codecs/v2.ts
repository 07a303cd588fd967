/**
 * Open Inference Protocol (KServe v2) `infer` codec: JSON tensors in (nested or flat data,
 * row-major), named outputs out, the request `id` echoed unchanged.
 */
import { describeValue, invalidInput, quoted } from "../errors.ts";
import { tfDtypeOf, type V2Datatype, v2DatatypeOf } from "../tensors/dtypes.ts";
import type { HostTensor, NamedTensors, Signature, TensorSpec } from "../tensors/spec.ts";
import {
  checkRank,
  checkRows,
  checkShape,
  elementCount,
  flatten,
  formatShape,
  type Limits,
  sameShape,
  toHostTensor,
} from "../tensors/tensors.ts";
import { type Json, jsonLeaves } from "./json-values.ts";
import { checkPassthrough } from "./passthrough.ts";
import { parseEnvelope, V2InferRequest } from "./schemas.ts";
import type { NamedOutput } from "./v1.ts";

export interface V2Request {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: NamedTensors;
  /** Output names the client asked for, in its order; undefined = all. */
  outputs?: string[];
  /** Outputs the client asked to get as raw bytes (binary tensor data extension); undefined = none. */
  binaryOutputs?: string[];
  /** Classification extension: output name → number of top classes; undefined = none. */
  classify?: Record<string, number>;
}

export interface V2Response {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: { [key: string]: Json };
  outputs: Array<{ name: string; datatype: V2Datatype; shape: number[]; data: Json[] }>;
}

/** Tensors whose datatype the model's dtype can take without loss of meaning. */
function accepts(dtype: string, datatype: V2Datatype): boolean {
  return tfDtypeOf(datatype) === dtype;
}

export function decodeV2(body: unknown, sig: Signature, limits: Limits): V2Request {
  const envelope = parseEnvelope(V2InferRequest, body);
  const inputs = decodeInputs(envelope.inputs, sig, limits, (input, spec, where) =>
    tensorFromData(input, spec, where, limits),
  );
  return requestOf(envelope, inputs, sig);
}

/** A host tensor from an input's JSON `data` (flat or nested as its shape). */
export function tensorFromData(
  input: V2InputHeader & { data: unknown },
  spec: TensorSpec,
  where: string,
  limits: Limits,
): HostTensor {
  const { shape: dims, datatype, data } = input;
  const count = elementCount(dims);
  const flat = flatten(data, `${where}.data`, limits);
  const isFlat = flat.shape.length === 1 && flat.leaves.length === count;
  const isNested = sameShape(flat.shape, dims);
  if (!isFlat && !isNested) {
    throw invalidInput(
      `${where}.data: expected ${count} elements (shape ${formatShape(dims)}), flat or nested, got data of shape ${formatShape(flat.shape)}`,
    );
  }
  return toHostTensor(flat.leaves, dims, spec.dtype, `${where}.data`, limits, { datatype });
}

/** What every v2 input carries besides its elements. */
export interface V2InputHeader {
  name: string;
  shape: number[];
  datatype: V2Datatype;
}

/**
 * The model-dependent checks every v2 input gets, however its elements travel (JSON `data` or
 * binary bytes): known name, given once, datatype the model takes, shape, element and batch
 * limits; then `tensorOf` builds the host tensor, and every model input must have come.
 */
export function decodeInputs<I extends V2InputHeader>(
  inputs: readonly I[],
  sig: Signature,
  limits: Limits,
  tensorOf: (input: I, spec: TensorSpec, where: string, index: number) => HostTensor,
): NamedTensors {
  const decoded: NamedTensors = {};
  inputs.forEach((input, i) => {
    const where = `inputs[${i}]`;
    const { name, shape: dims, datatype } = input;
    const spec = sig.inputs.find((s) => s.name === name);
    if (!spec) {
      throw invalidInput(
        `${where}.name: unknown input ${quoted(name)}; this model's inputs are ${sig.inputs.map((s) => `'${s.name}'`).join(", ")}`,
      );
    }
    if (name in decoded) throw invalidInput(`${where}.name: input ${quoted(name)} is given twice`);
    if (!accepts(spec.dtype, datatype)) {
      throw invalidInput(
        `${where}.datatype: input '${name}' takes ${v2DatatypeOf(spec.dtype)}${spec.dtype === "float32" ? " (or FP16/FP64)" : spec.dtype === "int32" ? " (or another integer type)" : ""}, got ${datatype}`,
      );
    }
    checkRank(dims.length, `${where}.shape`);
    checkShape(spec, dims, `${where}.shape`);
    checkRows(dims, `${where}.shape`);
    const count = elementCount(dims);
    if (count > limits.maxElements) {
      throw invalidInput(`${where}.shape: at most ${limits.maxElements} elements are allowed per tensor, got ${count}`);
    }
    if (dims.length > 0 && dims[0]! > limits.maxBatch) {
      throw invalidInput(`${where}.shape: at most ${limits.maxBatch} rows are allowed per request, got ${dims[0]}`);
    }
    decoded[name] = tensorOf(input, spec, where, i);
  });
  for (const spec of sig.inputs) {
    if (!(spec.name in decoded)) throw invalidInput(`inputs: missing input '${spec.name}'`);
  }
  return decoded;
}

/** The request around decoded inputs: `id`, `parameters`, the outputs asked for and which of them go back as bytes. */
export function requestOf(envelope: Omit<V2InferRequest, "inputs">, inputs: NamedTensors, sig: Signature): V2Request {
  const { id, parameters, outputs } = envelope;
  const request: V2Request = { inputs };
  if (id !== undefined) {
    checkPassthrough(id, "id");
    request.id = id;
  }
  if (parameters !== undefined) request.parameters = parameters;
  if (outputs !== undefined) request.outputs = decodeRequestedOutputs(outputs, sig);
  const classify = outputs === undefined ? undefined : classificationsOf(outputs, sig);
  if (classify !== undefined) request.classify = classify;
  const binary = binaryOutputsOf(envelope, sig);
  if (binary.length > 0) request.binaryOutputs = binary;
  return request;
}

function flag(value: unknown, where: string): boolean | undefined {
  if (value === undefined || typeof value === "boolean") return value;
  throw invalidInput(`${where}: expected a boolean, got ${describeValue(value)}`);
}

/**
 * Outputs to answer as raw bytes (binary tensor data extension): `parameters.binary_data_output`
 * for all, overridden per output by its `parameters.binary_data`.
 */
function binaryOutputsOf(envelope: Omit<V2InferRequest, "inputs">, sig: Signature): string[] {
  const all = flag(envelope.parameters?.binary_data_output, "parameters.binary_data_output") ?? false;
  if (envelope.outputs === undefined) return all ? sig.outputs.map((s) => s.name) : [];
  return envelope.outputs
    .filter((output, i) => flag(output.parameters?.binary_data, `outputs[${i}].parameters.binary_data`) ?? all)
    .map((output) => output.name);
}

/**
 * Triton's classification extension: `parameters.classification` (what tritonclient's `class_count`
 * sends; `class_count` itself is read too) on a requested output; 0 means none.
 */
function classificationsOf(
  outputs: ReadonlyArray<{ name: string; parameters?: Record<string, unknown> | undefined }>,
  sig: Signature,
): Record<string, number> | undefined {
  const counts: Record<string, number> = {};
  outputs.forEach((output, i) => {
    const key = output.parameters?.classification !== undefined ? "classification" : "class_count";
    const value = output.parameters?.[key];
    if (value === undefined) return;
    const where = `outputs[${i}].parameters.${key}`;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      throw invalidInput(`${where}: expected a non-negative integer, got ${describeValue(value)}`);
    }
    const spec = sig.outputs.find((s) => s.name === output.name);
    if (spec && spec.dtype !== "float32" && spec.dtype !== "int32") {
      throw invalidInput(
        `${where}: output '${output.name}' is ${v2DatatypeOf(spec.dtype)}; only numeric outputs can be classified`,
      );
    }
    if (value > 0) counts[output.name] = value;
  });
  return Object.keys(counts).length > 0 ? counts : undefined;
}

function decodeRequestedOutputs(outputs: ReadonlyArray<{ name: string }>, sig: Signature): string[] {
  const names = outputs.map(({ name }, i) => {
    if (!sig.outputs.some((s) => s.name === name)) {
      throw invalidInput(
        `outputs[${i}].name: unknown output ${quoted(name)}; this model's outputs are ${sig.outputs.map((s) => `'${s.name}'`).join(", ")}`,
      );
    }
    return name;
  });
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw invalidInput(`outputs: output '${dup}' is requested twice`);
  return names;
}

export function encodeV2(
  model: { name: string; version: number },
  request: V2Request,
  outputs: readonly NamedOutput[],
): V2Response {
  const response: V2Response = { model_name: model.name, model_version: String(model.version), outputs: [] };
  if (request.id !== undefined) response.id = request.id;
  response.outputs = outputs.map(({ spec, tensor }) => ({
    name: spec.name,
    datatype: v2DatatypeOf(tensor.dtype),
    shape: tensor.shape,
    data: jsonLeaves(tensor, spec, "v2"),
  }));
  return response;
}
