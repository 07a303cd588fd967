/**
 * Open Inference Protocol (KServe v2) `infer` codec: JSON tensors in (nested or flat data,
 * row-major), named outputs out, the request `id` echoed unchanged.
 */
import { describeValue, invalidInput } from "../errors.ts";
import { isV2Datatype, tfDtypeOf, v2DatatypeOf, type V2Datatype } from "../dtypes.ts";
import { checkShape, elementCount, flatten, formatShape, toHostTensor, type Limits } from "../tensors.ts";
import type { NamedTensors, Signature } from "../types.ts";
import { jsonLeaves } from "./json-values.ts";
import type { NamedOutput } from "./v1.ts";

export interface V2Request {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: NamedTensors;
  /** Output names the client asked for, in its order; undefined = all. */
  outputs?: string[];
}

export interface V2Response {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: Array<{ name: string; datatype: V2Datatype; shape: number[]; data: unknown[] }>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const REQUEST_FIELDS = ["id", "parameters", "inputs", "outputs"];
const INPUT_FIELDS = ["name", "shape", "datatype", "data", "parameters"];

/** Tensors whose datatype the model's dtype can take without loss of meaning. */
function accepts(dtype: string, datatype: V2Datatype): boolean {
  return tfDtypeOf(datatype) === dtype;
}

export function decodeV2(body: unknown, sig: Signature, limits: Limits): V2Request {
  if (!isObject(body)) throw invalidInput(`request body: expected a JSON object, got ${describeValue(body)}`);
  for (const field of Object.keys(body)) {
    if (!REQUEST_FIELDS.includes(field)) {
      throw invalidInput(`request body: unknown field '${field}'; expected ${REQUEST_FIELDS.map((f) => `'${f}'`).join(", ")}`);
    }
  }
  const { id, parameters, inputs, outputs } = body;
  if (id !== undefined && typeof id !== "string") throw invalidInput(`id: expected a string, got ${describeValue(id)}`);
  if (parameters !== undefined && !isObject(parameters)) {
    throw invalidInput(`parameters: expected an object, got ${describeValue(parameters)}`);
  }
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw invalidInput(`inputs: expected a non-empty array of tensors, got ${describeValue(inputs)}`);
  }
  const decoded: NamedTensors = {};
  inputs.forEach((input, i) => {
    const where = `inputs[${i}]`;
    if (!isObject(input)) throw invalidInput(`${where}: expected a tensor object, got ${describeValue(input)}`);
    for (const field of Object.keys(input)) {
      if (!INPUT_FIELDS.includes(field)) throw invalidInput(`${where}: unknown field '${field}'`);
    }
    const { name, shape, datatype, data } = input;
    if (typeof name !== "string") throw invalidInput(`${where}.name: expected a string, got ${describeValue(name)}`);
    const spec = sig.inputs.find((s) => s.name === name);
    if (!spec) {
      throw invalidInput(`${where}.name: unknown input '${name}'; this model's inputs are ${sig.inputs.map((s) => `'${s.name}'`).join(", ")}`);
    }
    if (name in decoded) throw invalidInput(`${where}.name: input '${name}' is given twice`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw invalidInput(`${where}.shape: expected an array of non-negative integers, got ${describeValue(shape)}`);
    }
    if (!isV2Datatype(datatype)) {
      throw invalidInput(`${where}.datatype: expected one of BOOL, INT8…INT64, UINT8…UINT64, FP16, FP32, FP64, BYTES, got ${describeValue(datatype)}`);
    }
    if (!accepts(spec.dtype, datatype)) {
      throw invalidInput(`${where}.datatype: input '${name}' takes ${v2DatatypeOf(spec.dtype)}${spec.dtype === "float32" ? " (or FP16/FP64)" : spec.dtype === "int32" ? " (or another integer type)" : ""}, got ${datatype}`);
    }
    const dims = shape as number[];
    checkShape(spec, dims, `${where}.shape`);
    const count = elementCount(dims);
    if (count > limits.maxElements) {
      throw invalidInput(`${where}.shape: at most ${limits.maxElements} elements are allowed per tensor, got ${count}`);
    }
    if (dims.length > 0 && dims[0]! > limits.maxBatch) {
      throw invalidInput(`${where}.shape: at most ${limits.maxBatch} rows are allowed per request, got ${dims[0]}`);
    }
    const flat = flatten(data, `${where}.data`, limits);
    const isFlat = flat.shape.length === 1 && flat.leaves.length === count;
    const isNested = formatShape(flat.shape) === formatShape(dims);
    if (!isFlat && !isNested) {
      throw invalidInput(
        `${where}.data: expected ${count} elements (shape ${formatShape(dims)}), flat or nested, got data of shape ${formatShape(flat.shape)}`,
      );
    }
    decoded[name] = toHostTensor(flat.leaves, dims, spec.dtype, `${where}.data`, limits, { datatype });
  });
  for (const spec of sig.inputs) {
    if (!(spec.name in decoded)) throw invalidInput(`inputs: missing input '${spec.name}'`);
  }
  const request: V2Request = { inputs: decoded };
  if (id !== undefined) request.id = id;
  if (parameters !== undefined) request.parameters = parameters;
  if (outputs !== undefined) request.outputs = decodeRequestedOutputs(outputs, sig);
  return request;
}

function decodeRequestedOutputs(outputs: unknown, sig: Signature): string[] {
  if (!Array.isArray(outputs)) throw invalidInput(`outputs: expected an array of {"name": …}, got ${describeValue(outputs)}`);
  const names = outputs.map((o, i) => {
    const name = isObject(o) ? o.name : undefined;
    if (typeof name !== "string") throw invalidInput(`outputs[${i}].name: expected a string, got ${describeValue(name)}`);
    if (!sig.outputs.some((s) => s.name === name)) {
      throw invalidInput(`outputs[${i}].name: unknown output '${name}'; this model's outputs are ${sig.outputs.map((s) => `'${s.name}'`).join(", ")}`);
    }
    return name;
  });
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw invalidInput(`outputs: output '${dup}' is requested twice`);
  return names;
}

export function encodeV2(model: { name: string; version: number }, request: V2Request, outputs: readonly NamedOutput[]): V2Response {
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
