/**
 * Open Inference Protocol (KServe v2) `infer` codec: JSON tensors in (nested or flat data,
 * row-major), named outputs out, the request `id` echoed unchanged.
 */
import { invalidInput } from "../errors.ts";
import { tfDtypeOf, v2DatatypeOf, type V2Datatype } from "../dtypes.ts";
import { checkShape, elementCount, flatten, formatShape, toHostTensor, type Limits } from "../tensors.ts";
import type { NamedTensors, Signature } from "../types.ts";
import { jsonLeaves } from "./json-values.ts";
import { parseEnvelope, V2InferRequest } from "./schemas.ts";
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

/** Tensors whose datatype the model's dtype can take without loss of meaning. */
function accepts(dtype: string, datatype: V2Datatype): boolean {
  return tfDtypeOf(datatype) === dtype;
}

export function decodeV2(body: unknown, sig: Signature, limits: Limits): V2Request {
  const { id, parameters, inputs, outputs } = parseEnvelope(V2InferRequest, body);
  const decoded: NamedTensors = {};
  inputs.forEach((input, i) => {
    const where = `inputs[${i}]`;
    const { name, shape: dims, datatype, data } = input;
    const spec = sig.inputs.find((s) => s.name === name);
    if (!spec) {
      throw invalidInput(`${where}.name: unknown input '${name}'; this model's inputs are ${sig.inputs.map((s) => `'${s.name}'`).join(", ")}`);
    }
    if (name in decoded) throw invalidInput(`${where}.name: input '${name}' is given twice`);
    if (!accepts(spec.dtype, datatype)) {
      throw invalidInput(`${where}.datatype: input '${name}' takes ${v2DatatypeOf(spec.dtype)}${spec.dtype === "float32" ? " (or FP16/FP64)" : spec.dtype === "int32" ? " (or another integer type)" : ""}, got ${datatype}`);
    }
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

function decodeRequestedOutputs(outputs: ReadonlyArray<{ name: string }>, sig: Signature): string[] {
  const names = outputs.map(({ name }, i) => {
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
