/**
 * The request envelopes of both protocols as zod schemas: the codecs validate bodies with
 * them (`parseEnvelope`), and the OpenAPI document (src/http/openapi/) is generated from them
 * with `z.toJSONSchema`, so the documentation cannot drift from validation.
 *
 * Each schema carries its own error text ("expected …, got …"); `parseEnvelope` reports the
 * first issue prefixed with its path ("inputs[0].shape[1]: expected a non-negative integer, got
 * the number -1"), an unknown field before anything inside the object that holds it.
 *
 * What depends on the model (input names, dtypes, shapes, element values) is checked by the
 * codecs against the signature; these schemas hold only what every model shares.
 */
import * as z from "zod";
import { describeValue, invalidInput, quoted } from "../errors.ts";
import { V2_DATATYPES } from "../tensors/dtypes.ts";
import { isPlainV1, isPlainV2 } from "./envelope-fast.ts";

type Issue = z.core.$ZodRawIssue;

/** An error function: "expected <what>, got <the value>". */
const expected = (what: string) => (issue: Issue) => `expected ${what}, got ${describeValue(issue.input)}`;

/** A closed object: `what` for a value of the wrong type, `unknown` for an extra field. */
function closed<S extends z.core.$ZodLooseShape>(shape: S, what: string, unknown: (field: string) => string) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? unknown(quoted(String(issue.keys[0])).slice(1, -1)) : expected(what)(issue),
  });
}

const parameters = z
  .record(z.string(), z.unknown(), { error: expected("an object") })
  .meta({ description: "Free-form parameters (accepted and ignored by this server)." });

// ---- TensorFlow Serving v1 `:predict` ----

const bothOrNeither = (body: unknown) => {
  const b = body as Record<string, unknown>;
  return "instances" in b ? "both" : "neither";
};

/**
 * Open like TF Serving's parser (json_tensor.cc reads the keys it knows and ignores the rest): Vertex-style
 * clients send `parameters`, and others send fields of their own.
 */
export const V1PredictRequest = z
  .object(
    {
      instances: z
        .array(z.unknown(), { error: expected("a non-empty array") })
        .min(1, { error: expected("a non-empty array") })
        .exactOptional()
        .meta({
          description:
            'Row format: one entry per example. An object of named inputs (plus the model\'s pass-through key fields), or the bare value when the model has one input. Binary strings as {"b64": …}.',
        }),
      inputs: z
        .unknown()
        .refine((value) => value !== undefined, { error: expected("a tensor or an object of named tensors") })
        .exactOptional()
        .meta({
          description:
            "Columnar format: an object of named tensors (plus pass-through key fields), or the bare tensor when the model has one input; the first axis is the batch.",
        }),
      signature_name: z
        .string({ error: expected("a string") })
        .optional()
        .meta({ description: "The model's signature name; absent or empty means the default signature." }),
      as_of: z
        .string({ error: expected("a string") })
        .optional()
        .meta({
          description:
            "When the prediction is made: an ISO 8601 instant with Z or an offset (the flights model also takes its origin's local time YYYY-MM-DDTHH:MM); context known after it is not used (docs/context-time.md). Default: when the request arrives (flights: the start of the departure hour).",
        }),
      context: z
        .boolean({ error: expected("a boolean") })
        .optional()
        .meta({
          description:
            "Models with a declared context: answer each row's context too (per lookup: key, status, values used, updated_at). Default false.",
        }),
    },
    { error: expected("a JSON object") },
  )
  .refine((body) => "instances" in body !== "inputs" in body, {
    error: (issue) =>
      `expected exactly one of 'instances' (row format) or 'inputs' (columnar format), got ${bothOrNeither(issue.input)}`,
  })
  // What the refinement checks, said in JSON Schema (refinements have no JSON Schema of their own).
  .meta({ oneOf: [{ required: ["instances"] }, { required: ["inputs"] }] });
export type V1PredictRequest = z.infer<typeof V1PredictRequest>;

// ---- Open Inference Protocol v2 `infer` ----

const isElements = (value: unknown) => Array.isArray(value) || ["number", "string", "boolean"].includes(typeof value);

/**
 * Tensor data is checked only for its outer form here (an array, or a scalar for shape []):
 * the codec walks the elements once against the model's dtype and the tensor's shape, and a
 * second walk by zod would cost a function call per element (a 224×224×3 image has 150,528).
 */
const tensorData = z
  .custom<unknown>(isElements, { error: expected("an array of elements (flat, or nested as the shape)") })
  .meta({
    type: ["array", "number", "string", "boolean"],
    description: "Elements in row-major order, flat or nested as `shape`: numbers, booleans, or strings for BYTES.",
  });

export const V2InputTensor = closed(
  {
    name: z.string({ error: expected("a string") }),
    shape: z
      .array(
        z.int({ error: expected("a non-negative integer") }).min(0, { error: expected("a non-negative integer") }),
        {
          error: expected("an array of non-negative integers"),
        },
      )
      .meta({ description: "Dimensions of this tensor (no -1 in a request)." }),
    datatype: z.enum(V2_DATATYPES, {
      error: expected("one of BOOL, INT8…INT64, UINT8…UINT64, FP16, FP32, FP64, BYTES"),
    }),
    data: tensorData,
    parameters: parameters.optional(),
  },
  "a tensor object",
  (field) => `unknown field '${field}'`,
);

export const V2RequestedOutput = z.object(
  {
    name: z.string({ error: expected("a string") }),
    parameters: parameters.optional().meta({
      description:
        '`binary_data` (answer this output as raw bytes) and `classification` (a class count: answer the top k as BYTES "value:index[:label]"); others are ignored.',
    }),
  },
  { error: expected('an object like {"name": …}') },
);

const REQUEST_FIELDS = ["id", "parameters", "inputs", "outputs"];

export const V2InferRequest = closed(
  {
    id: z
      .string({ error: expected("a string") })
      .optional()
      .meta({ description: "Echoed unchanged in the response." }),
    parameters: parameters.optional(),
    inputs: z
      .array(V2InputTensor, { error: expected("a non-empty array of tensors") })
      .min(1, { error: expected("a non-empty array of tensors") }),
    outputs: z
      .array(V2RequestedOutput, { error: expected('an array of {"name": …}') })
      .optional()
      .meta({ description: "Outputs to return, in this order; all when absent." }),
  },
  "a JSON object",
  (field) => `unknown field '${field}'; expected ${REQUEST_FIELDS.map((f) => `'${f}'`).join(", ")}`,
);
export type V2InferRequest = z.infer<typeof V2InferRequest>;

/**
 * The JSON header of a body in the binary tensor data extension (`Inference-Header-Content-Length`):
 * the same envelope, but an input may leave out `data` and carry its elements as
 * `parameters.binary_data_size` raw bytes after the header (checked by codecs/v2-binary.ts).
 */
export const V2BinaryInputTensor = V2InputTensor.extend({ data: tensorData.exactOptional() });
export const V2InferHeader = V2InferRequest.extend({
  inputs: z
    .array(V2BinaryInputTensor, { error: expected("a non-empty array of tensors") })
    .min(1, { error: expected("a non-empty array of tensors") }),
});
export type V2InferHeader = z.infer<typeof V2InferHeader>;

/** `POST /v2/repository/index`: the body is optional. */
export const V2RepositoryIndexRequest = z.object(
  {
    ready: z
      .boolean({ error: expected("a boolean") })
      .optional()
      .meta({ description: "Only versions that load." }),
  },
  { error: (issue) => `expected a JSON object like {"ready": true}, got ${describeValue(issue.input)}` },
);

// ---- From zod's issues to one message ----

/** `["inputs", 0, "name"]` → `inputs[0].name`; the root is "request body". */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return "request body";
  return path.reduce<string>(
    (out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    "",
  );
}

const isPrefix = (prefix: readonly PropertyKey[], path: readonly PropertyKey[]) =>
  prefix.length <= path.length && prefix.every((key, i) => path[i] === key);

/** The issue to report: the first, unless an object holding it also has an unknown field. */
export function firstIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const first = issues[0]!;
  const unknown = issues
    .filter((i) => i.code === "unrecognized_keys" && isPrefix(i.path, first.path))
    .sort((a, b) => a.path.length - b.path.length)[0];
  return unknown ?? first;
}

/** The hand-written checks of the common well-formed envelopes (./envelope-fast.ts), by schema. */
const FAST = new Map<unknown, (body: unknown) => boolean>([
  [V1PredictRequest, isPlainV1],
  [V2InferRequest, isPlainV2],
]);

/**
 * Validates an envelope; a failure is `invalidInput` (400) naming the field, what was expected and
 * what came. A body the fast check accepts is returned as it is; anything else goes through zod.
 */
export function parseEnvelope<T>(schema: z.ZodType<T>, body: unknown): T {
  if (FAST.get(schema)?.(body)) return body as T;
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = firstIssue(result.error.issues);
  throw invalidInput(`${formatPath(issue.path)}: ${issue.message}`);
}
