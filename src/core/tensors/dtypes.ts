/**
 * Open Inference Protocol (v2) datatypes and how they map onto TF.js dtypes.
 * TF.js computes in float32, int32, bool and string; every v2 datatype lands on one of them,
 * and integer values are range-checked against the datatype the client declared.
 */
import type { TfDtype } from "./spec.ts";

export const V2_DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
] as const;
export type V2Datatype = (typeof V2_DATATYPES)[number];

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Inclusive range of an integer datatype, clipped to what an int32 tensor can hold. */
const INTEGER_RANGE: Partial<Record<V2Datatype, readonly [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [INT32_MIN, INT32_MAX],
  INT64: [INT32_MIN, INT32_MAX],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, INT32_MAX],
  UINT64: [0, INT32_MAX],
};

export function isV2Datatype(value: unknown): value is V2Datatype {
  return typeof value === "string" && (V2_DATATYPES as readonly string[]).includes(value);
}

/** The TF.js dtype a v2 datatype is computed in. */
export function tfDtypeOf(datatype: V2Datatype): TfDtype {
  if (datatype === "BOOL") return "bool";
  if (datatype === "BYTES") return "string";
  if (datatype.startsWith("FP")) return "float32";
  return "int32";
}

/** The v2 datatype a model advertises for a TF.js dtype. */
export function v2DatatypeOf(dtype: TfDtype): V2Datatype {
  switch (dtype) {
    case "float32":
      return "FP32";
    case "int32":
      return "INT32";
    case "bool":
      return "BOOL";
    case "string":
      return "BYTES";
  }
}

/** TF Serving's `DT_*` name for a TF.js dtype (used in v1 metadata). */
export function tfServingDtypeOf(dtype: TfDtype): string {
  switch (dtype) {
    case "float32":
      return "DT_FLOAT";
    case "int32":
      return "DT_INT32";
    case "bool":
      return "DT_BOOL";
    case "string":
      return "DT_STRING";
  }
}

/** Integer bounds for a datatype, or undefined for non-integer datatypes. */
export function integerRange(datatype: V2Datatype): readonly [number, number] | undefined {
  return INTEGER_RANGE[datatype];
}

export function int32Range(): readonly [number, number] {
  return [INT32_MIN, INT32_MAX];
}
