/**
 * Shared vocabulary of the serving core: dtypes, tensor specs, signatures and the
 * per-version manifest. Runtime-agnostic: no Hono, no `cloudflare:*`.
 */
import * as z from "zod";

/** The dtypes a TF.js tensor can hold (complex64 is not served). */
export const TF_DTYPES = ["float32", "int32", "bool", "string"] as const;
export type TfDtype = (typeof TF_DTYPES)[number];

/** A named tensor in a signature. `shape` uses -1 for a variable dimension. */
export const TensorSpecSchema = z.object({
  /** Public name, used by clients in v1 and v2 requests and responses. */
  name: z.string().min(1),
  /** Name of the tensor inside the model (layers: input/output name; graph: node name). Defaults to `name`. */
  tensor: z.string().min(1).optional(),
  dtype: z.enum(TF_DTYPES),
  shape: z.array(z.number().int().min(-1)),
  /** BYTES outputs whose strings hold JSON: v1 answers the parsed value, v2 the string. */
  json: z.boolean().optional(),
  description: z.string().optional(),
});
export type TensorSpec = z.infer<typeof TensorSpecSchema>;

export const SignatureSchema = z.object({
  inputs: z.array(TensorSpecSchema).min(1),
  outputs: z.array(TensorSpecSchema).min(1),
});
export type Signature = z.infer<typeof SignatureSchema>;

export const MODEL_FORMATS = ["layers-model", "graph-model"] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

/** A decoded tensor, independent of TF.js: row-major flat values plus a shape. */
export interface HostTensor {
  dtype: TfDtype;
  shape: number[];
  /** float32/int32: numbers; bool: booleans; string: raw bytes (UTF-8 text or binary). */
  values: Float32Array | Int32Array | boolean[] | Uint8Array[];
  /**
   * A string tensor of JSON (an output with `json: true`, written by a pipeline) may carry each
   * element's text exactly as `JSON.stringify` wrote it, `values` being the same text as UTF-8.
   * The codecs then splice the text into the answer instead of decoding, parsing and writing it
   * again per row: `JSON.stringify(JSON.parse(t)) === t` for such text, so the answer is the same.
   */
  jsonText?: readonly string[];
  /**
   * A string tensor decoded from JSON strings may carry the strings as they came (row-major, like
   * `values`, which hold them as UTF-8): readers that want text (a pipeline's fields, the
   * prediction log) take them instead of decoding every element again. Not enumerable (see
   * `toHostTensor`): a copy made by spreading drops it.
   */
  text?: readonly string[];
}

export type NamedTensors = Record<string, HostTensor>;
