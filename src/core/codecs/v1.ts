/**
 * TensorFlow Serving REST (v1) `:predict` codec: row (`instances`) and columnar (`inputs`)
 * request formats in, `predictions` / `outputs` out, `{"b64": …}` for binary strings,
 * and pass-through keys echoed with each prediction ("keyed predictions").
 */
import { describeValue, invalidInput, quoted, ServeError } from "../errors.ts";
import type { HostTensor, NamedTensors, Signature, TensorSpec } from "../tensors/spec.ts";
import {
  checkRows,
  checkShape,
  elementCount,
  flatten,
  formatShape,
  type Limits,
  sameShape,
  stackRows,
  toHostTensor,
} from "../tensors/tensors.ts";
import { float32Text, nestText, type Tree, writeJson } from "./json-text.ts";
import { type Json, jsonLeaves, nest } from "./json-values.ts";
import { checkPassthrough } from "./passthrough.ts";
import { parseEnvelope, V1PredictRequest } from "./schemas.ts";

export interface V1Options {
  signatureName: string;
  passthrough: readonly string[];
  limits: Limits;
}

export type V1Request =
  | { format: "row"; inputs: NamedTensors; batch: number; keys: Array<Record<string, Json>> }
  | { format: "columnar"; inputs: NamedTensors; keys: Record<string, Json> };

/** A JSON object from the parsed request body. */
type Fields = Record<string, Json>;

/** The `:predict` answer: `predictions` for row-format requests, `outputs` for columnar ones. */
export type V1Response = { predictions: Json[] } | { outputs: Json };

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNamedMap(value: unknown): value is Fields {
  return isObject(value) && !(Object.keys(value).length === 1 && "b64" in value);
}

const listNames = (specs: readonly TensorSpec[]) => specs.map((s) => `'${s.name}'`).join(", ");

export function decodeV1(body: unknown, sig: Signature, opts: V1Options): V1Request {
  const request = parseEnvelope(V1PredictRequest, body);
  const name = request.signature_name;
  if (name !== undefined && name !== "" && name !== opts.signatureName) {
    throw invalidInput(
      `signature_name: this model has the signature '${opts.signatureName}', got ${describeValue(name)}`,
    );
  }
  return request.instances !== undefined
    ? decodeRows(request.instances, sig, opts)
    : decodeColumns(request.inputs, sig, opts);
}

function decodeRows(instances: readonly unknown[], sig: Signature, opts: V1Options): V1Request {
  if (instances.length > opts.limits.maxBatch) {
    throw invalidInput(
      `instances: at most ${opts.limits.maxBatch} instances are allowed per request, got ${instances.length}`,
    );
  }
  const named = isNamedMap(instances[0]);
  if (!named && sig.inputs.length > 1) {
    throw invalidInput(
      `instances[0]: this model has ${sig.inputs.length} inputs, so each instance must be an object with keys ${listNames(sig.inputs)}, got ${describeValue(instances[0])}`,
    );
  }
  if (sig.inputs.every((s) => s.shape.length === 1)) {
    const fast = scalarRows(instances, named, sig, opts);
    if (fast) return fast;
  }
  const rows = new Map<string, HostTensor[]>(sig.inputs.map((s) => [s.name, []]));
  const keys: Array<Record<string, Json>> = [];
  instances.forEach((instance, i) => {
    const where = `instances[${i}]`;
    if (isNamedMap(instance) !== named) {
      throw invalidInput(
        `${where}: every instance must have the same form as instances[0] (${named ? "an object of named inputs" : "a bare value"}), got ${describeValue(instance)}`,
      );
    }
    const values = named ? splitNamed(instance as Fields, sig, opts, where, keys) : { [sig.inputs[0]!.name]: instance };
    if (!named) keys.push({});
    for (const spec of sig.inputs) {
      const at = named ? `${where}.${spec.name}` : where;
      const row = toRow(values[spec.name], spec, at, opts.limits);
      const first = rows.get(spec.name)![0];
      if (first && !sameShape(first.shape, row.shape)) {
        throw invalidInput(
          `${at}: ragged instances, expected shape ${formatShape(first.shape)} like instances[0], got ${formatShape(row.shape)}`,
        );
      }
      rows.get(spec.name)!.push(row);
    }
  });
  const inputs: NamedTensors = {};
  for (const spec of sig.inputs) {
    const batch = stackRows(rows.get(spec.name)!, spec.dtype);
    if (elementCount(batch.shape) > opts.limits.maxElements) {
      throw invalidInput(
        `instances: input '${spec.name}' would hold ${elementCount(batch.shape)} elements, at most ${opts.limits.maxElements} are allowed`,
      );
    }
    inputs[spec.name] = batch;
  }
  return { format: "row", inputs, batch: instances.length, keys };
}

/**
 * The rows of a model whose every input is one value per row (a [-1] signature: the flights
 * fields, say), converted input by input over the whole batch instead of one tensor per row and
 * input (flatten, shape check and conversion per value, then stacking). The same checks, so it
 * accepts exactly what the row-by-row path does and builds the same tensors; on any refusal it
 * answers `undefined` and the row-by-row path runs, which names the first bad field as before.
 */
function scalarRows(instances: readonly unknown[], named: boolean, sig: Signature, opts: V1Options) {
  const leaves = sig.inputs.map(() => new Array<unknown>(instances.length));
  const keys: Array<Record<string, Json>> = [];
  try {
    for (let i = 0; i < instances.length; i++) {
      const instance = instances[i];
      if (isNamedMap(instance) !== named) return undefined;
      const values = named ? splitNamed(instance as Fields, sig, opts, `instances[${i}]`, keys) : undefined;
      if (!named) keys.push({});
      for (let k = 0; k < sig.inputs.length; k++) {
        const value = values ? values[sig.inputs[k]!.name] : instance;
        if (Array.isArray(value)) return undefined;
        leaves[k]![i] = value;
      }
    }
    const inputs: NamedTensors = {};
    sig.inputs.forEach((spec, k) => {
      if (instances.length > opts.limits.maxElements) throw invalidInput("too many elements");
      inputs[spec.name] = toHostTensor(leaves[k]!, [instances.length], spec.dtype, "instances", opts.limits, {
        allowB64: true,
      });
    });
    return { format: "row" as const, inputs, batch: instances.length, keys };
  } catch (err) {
    if (err instanceof ServeError) return undefined;
    throw err;
  }
}

/**
 * Separates an instance object into input values and pass-through keys. Other fields are refused in
 * a row (TF Serving wants exactly the inputs there) and ignored in the columnar `inputs` object (as
 * TF Serving reads only the inputs it knows from it).
 */
function splitNamed(
  instance: Fields,
  sig: Signature,
  opts: V1Options,
  where: string,
  keys: Array<Record<string, Json>>,
): Fields {
  const values: Fields = {};
  const passed: Record<string, Json> = {};
  const columnar = where === "inputs";
  for (const [field, value] of Object.entries(instance)) {
    if (sig.inputs.some((s) => s.name === field)) values[field] = value;
    else if (opts.passthrough.includes(field)) {
      checkPassthrough(value, `${where}.${field}`);
      passed[field] = value;
    } else if (!columnar)
      throw invalidInput(`${where}: unknown input ${quoted(field)}; this model's inputs are ${listNames(sig.inputs)}`);
  }
  for (const spec of sig.inputs) {
    if (!(spec.name in values)) throw invalidInput(`${where}: missing input '${spec.name}'`);
  }
  keys.push(passed);
  return values;
}

/** One instance's value of one input: a tensor of the input's shape without the batch axis. */
function toRow(value: unknown, spec: TensorSpec, where: string, limits: Limits): HostTensor {
  const { shape, leaves } = flatten(value, where, limits);
  checkShape({ ...spec, shape: spec.shape.slice(1) }, shape, where);
  return toHostTensor(leaves, shape, spec.dtype, where, limits, { allowB64: true });
}

function decodeColumns(columns: unknown, sig: Signature, opts: V1Options): V1Request {
  const named = isNamedMap(columns);
  if (!named && sig.inputs.length > 1) {
    throw invalidInput(
      `inputs: this model has ${sig.inputs.length} inputs, so 'inputs' must be an object with keys ${listNames(sig.inputs)}, got ${describeValue(columns)}`,
    );
  }
  const keys: Array<Record<string, Json>> = [];
  const values = named ? splitNamed(columns as Fields, sig, opts, "inputs", keys) : { [sig.inputs[0]!.name]: columns };
  const inputs: NamedTensors = {};
  for (const spec of sig.inputs) {
    const where = named ? `inputs.${spec.name}` : "inputs";
    const { shape, leaves } = flatten(values[spec.name], where, opts.limits);
    checkShape(spec, shape, where);
    checkRows(shape, where);
    if (shape.length > 0 && shape[0]! > opts.limits.maxBatch) {
      throw invalidInput(`${where}: at most ${opts.limits.maxBatch} rows are allowed per request, got ${shape[0]}`);
    }
    inputs[spec.name] = toHostTensor(leaves, shape, spec.dtype, where, opts.limits, { allowB64: true });
  }
  return { format: "columnar", inputs, keys: keys[0] ?? {} };
}

export interface NamedOutput {
  spec: TensorSpec;
  tensor: HostTensor;
}

/** Encodes outputs as TF Serving does: `predictions` for rows, `outputs` for columns (numbers as numbers: RPC). */
export function encodeV1(request: V1Request, outputs: readonly NamedOutput[]): V1Response {
  return encodeTree(request, outputs, (o) => jsonLeaves(o.tensor, o.spec, "v1"), nest) as V1Response;
}

/**
 * The same answer as JSON text, written as TF Serving writes it (util/json_tensor.cc `WriteDecimal`):
 * float32 outputs keep a decimal point on whole numbers (`1.0`: typed clients read `1` as an
 * integer), and NaN and ±Infinity are the bare tokens `NaN`, `Infinity`, `-Infinity`.
 */
export function encodeV1Text(request: V1Request, outputs: readonly NamedOutput[]): string {
  const leavesOf = (o: NamedOutput): string[] =>
    o.tensor.dtype === "float32"
      ? Array.from(o.tensor.values as Float32Array, float32Text)
      : o.tensor.jsonText && o.spec.json && !o.spec.name.endsWith("_bytes")
        ? [...o.tensor.jsonText] // already the text JSON.stringify(JSON.parse(text)) would write
        : jsonLeaves(o.tensor, o.spec, "v1").map((leaf) => JSON.stringify(leaf));
  if (request.format === "row") {
    const text = rowsText(request, outputs, leavesOf);
    if (text !== undefined) return text;
  }
  return writeJson(encodeTree(request, outputs, leavesOf, nestText));
}

/** A name `{...}` keeps in place: not an array index (those go first) and not `__proto__`. */
const plainName = (name: string) => name !== "__proto__" && !/^(?:0|[1-9]\d*)$/.test(name);

/**
 * The row-format answer written straight as text, row by row: what `writeJson(encodeTree(...))`
 * writes, without an object per row and a walk over each. Only for the common shapes (every
 * output batched, names that keep their order in an object, pass-through keys that name no
 * output); `undefined` for anything else, which the tree path answers (errors included).
 */
function rowsText(
  request: Extract<V1Request, { format: "row" }>,
  outputs: readonly NamedOutput[],
  leavesOf: (output: NamedOutput) => string[],
): string | undefined {
  const names = new Set<string>();
  for (const { spec, tensor } of outputs) {
    if (tensor.shape[0] !== request.batch || !plainName(spec.name) || names.has(spec.name)) return undefined;
    names.add(spec.name);
  }
  const keyed = request.keys.some((k) => Object.keys(k).length > 0);
  if (keyed && request.keys.some((k) => Object.keys(k).some((name) => names.has(name) || !plainName(name))))
    return undefined;
  const columns = outputs.map((output) => {
    const rowShape = output.tensor.shape.slice(1);
    const size = elementCount(rowShape);
    const leaves = leavesOf(output);
    const row =
      rowShape.length === 0
        ? (i: number) => leaves[i] ?? "null"
        : (i: number) => nestText(leaves.slice(i * size, (i + 1) * size), rowShape).text;
    return { prefix: `${JSON.stringify(output.spec.name)}:`, row };
  });
  const bare = columns.length === 1 && !keyed;
  const rows = new Array<string>(request.batch);
  for (let i = 0; i < request.batch; i++) {
    if (bare) {
      rows[i] = columns[0]!.row(i);
      continue;
    }
    let text = "{";
    for (let c = 0; c < columns.length; c++) text += `${c > 0 ? "," : ""}${columns[c]!.prefix}${columns[c]!.row(i)}`;
    const key = request.keys[i]!;
    for (const name in key) text += `${text.length > 1 ? "," : ""}${JSON.stringify(name)}:${writeJson(key[name]!)}`;
    rows[i] = `${text}}`;
  }
  return `{"predictions":[${rows.join(",")}]}`;
}

/** The answer's structure over each output's leaves, `render` nesting a tensor's (or a row's) leaves. */
function encodeTree<L>(
  request: V1Request,
  outputs: readonly NamedOutput[],
  leavesOf: (output: NamedOutput) => L[],
  render: (leaves: L[], shape: readonly number[]) => Tree,
): Tree {
  if (request.format === "columnar") {
    const columns = outputs.map((o) => [o.spec.name, render(leavesOf(o), o.tensor.shape)] as const);
    if (columns.length === 1 && Object.keys(request.keys).length === 0) return { outputs: columns[0]![1] };
    return { outputs: { ...Object.fromEntries(columns), ...request.keys } };
  }
  const keyed = request.keys.some((k) => Object.keys(k).length > 0);
  const perOutput = outputs.map((output) => {
    const { spec, tensor } = output;
    if (tensor.shape[0] !== request.batch) {
      throw invalidInput(
        `instances: output '${spec.name}' has shape ${formatShape(tensor.shape)}, which has no batch dimension of ${request.batch}; use the columnar 'inputs' format for this model`,
      );
    }
    const rowShape = tensor.shape.slice(1);
    const size = elementCount(rowShape);
    const leaves = leavesOf(output);
    return { name: spec.name, row: (i: number) => render(leaves.slice(i * size, (i + 1) * size), rowShape) };
  });
  const predictions = request.keys.map((key, i) => {
    if (perOutput.length === 1 && !keyed) return perOutput[0]!.row(i);
    return { ...Object.fromEntries(perOutput.map((o) => [o.name, o.row(i)])), ...key };
  });
  return { predictions };
}
