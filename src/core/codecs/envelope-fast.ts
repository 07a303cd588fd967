/**
 * Hand-written checks of the common, well-formed request envelopes (v1 `:predict`, v2 `infer`),
 * so the hot path does not run zod's interpreter: on Workers zod cannot compile its validators
 * (`new Function` is refused), and its interpreted checks were a measurable share of a small
 * prediction's CPU (bench/profile.ts; docs/performance.md).
 *
 * Each check answers `true` only when the zod schema in ./schemas.ts would accept the body and
 * return the same fields, and `false` for anything else, however harmless; `parseEnvelope` then
 * runs zod, which gives the error message (unchanged: the case table, test/support/cases.ts) or
 * accepts the rarer valid forms not checked here (e.g. an optional field set to `undefined` by an
 * RPC caller, objects with another prototype, extra fields of a requested output).
 */
import { V2_DATATYPES } from "../tensors/dtypes.ts";

type Fields = Record<string, unknown>;

/** A plain object (JSON.parse's or structured clone's), not an array, null or a class instance. */
function isPlain(value: unknown): value is Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Every own key of `o` is in `allowed`. */
function onlyKeys(o: Fields, allowed: ReadonlySet<string>): boolean {
  for (const key of Object.keys(o)) if (!allowed.has(key)) return false;
  return true;
}

const V1_FIELDS = new Set(["instances", "inputs", "signature_name", "as_of", "context"]);

/** Accepted by `V1PredictRequest` as it is. */
export function isPlainV1(body: unknown): boolean {
  if (!isPlain(body) || !onlyKeys(body, V1_FIELDS)) return false;
  const hasInstances = "instances" in body;
  if (hasInstances === "inputs" in body) return false;
  if (hasInstances ? !(Array.isArray(body.instances) && body.instances.length > 0) : body.inputs === undefined)
    return false;
  return (
    (!("signature_name" in body) || typeof body.signature_name === "string") &&
    (!("as_of" in body) || typeof body.as_of === "string") &&
    (!("context" in body) || typeof body.context === "boolean")
  );
}

const V2_FIELDS = new Set(["id", "parameters", "inputs", "outputs"]);
const TENSOR_FIELDS = new Set(["name", "shape", "datatype", "data", "parameters"]);
const OUTPUT_FIELDS = new Set(["name", "parameters"]);
const DATATYPES: ReadonlySet<unknown> = new Set(V2_DATATYPES);

const optionalParameters = (o: Fields) => !("parameters" in o) || isPlain(o.parameters);

function isShape(shape: unknown): boolean {
  if (!Array.isArray(shape)) return false;
  for (const d of shape) if (!Number.isSafeInteger(d) || (d as number) < 0) return false;
  return true;
}

const isElements = (data: unknown) =>
  Array.isArray(data) || typeof data === "number" || typeof data === "string" || typeof data === "boolean";

function isTensor(t: unknown): boolean {
  return (
    isPlain(t) &&
    onlyKeys(t, TENSOR_FIELDS) &&
    typeof t.name === "string" &&
    isShape(t.shape) &&
    DATATYPES.has(t.datatype) &&
    isElements(t.data) &&
    optionalParameters(t)
  );
}

const isOutput = (o: unknown) =>
  isPlain(o) && onlyKeys(o, OUTPUT_FIELDS) && typeof o.name === "string" && optionalParameters(o);

/** Accepted by `V2InferRequest` as it is. */
export function isPlainV2(body: unknown): boolean {
  if (!isPlain(body) || !onlyKeys(body, V2_FIELDS)) return false;
  if ("id" in body && typeof body.id !== "string") return false;
  if (!optionalParameters(body)) return false;
  const { inputs, outputs } = body;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every(isTensor)) return false;
  return !("outputs" in body) || (Array.isArray(outputs) && outputs.every(isOutput));
}
