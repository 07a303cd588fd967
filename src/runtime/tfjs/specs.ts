/** TF.js' reports of a tensor, as core's TensorSpec fields: -1 for an unknown dim, the dtypes served. */
import type { TfDtype } from "../../core/tensors/spec.ts";

/** Unknown (null, undefined or negative) dimensions as -1. */
export const asDims = (shape: ReadonlyArray<number | null | undefined> | undefined): number[] =>
  (shape ?? []).map((d) => (d == null || d < 0 ? -1 : d));

/** A TF.js dtype as a served one (anything else computes as float32). */
export const asDtype = (dtype: string | undefined): TfDtype =>
  dtype === "int32" || dtype === "bool" || dtype === "string" ? dtype : "float32";
