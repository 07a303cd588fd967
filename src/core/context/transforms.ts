/**
 * The feature transforms a manifest may declare, as pure functions of one value. The training
 * code writes their parameters into the manifest, and serving applies exactly these, so the two
 * cannot drift. A value is a number or a string (bools are 1/0); `missing` says whether the
 * source lookup's defaults were used.
 */
import type { Feature, Scalar, Transform } from "./spec.ts";

/** Applies a feature's transforms to its source value; returns the feature's columns. */
export function applyTransforms(feature: Feature, value: Scalar, missing: boolean): number[] {
  let v: number | string = typeof value === "boolean" ? (value ? 1 : 0) : value;
  for (const t of feature.transforms) {
    if (t.kind === "one_hot") return t.vocabulary.map((entry) => (entry === v ? 1 : 0));
    v = step(t, v, missing);
  }
  return [typeof v === "number" ? v : Number.NaN];
}

function step(t: Exclude<Transform, { kind: "one_hot" }>, v: number | string, missing: boolean): number {
  switch (t.kind) {
    case "missing":
      return missing ? 1 : 0;
    case "index": {
      const at = t.vocabulary.indexOf(v);
      return at < 0 ? t.oov : at;
    }
    case "standardize":
      return (Number(v) - t.mean) / t.std;
    case "log1p":
      return Math.log1p(Number(v));
    case "clip":
      return Math.min(t.max ?? Number.POSITIVE_INFINITY, Math.max(t.min ?? Number.NEGATIVE_INFINITY, Number(v)));
    case "bucketize": {
      const n = Number(v);
      const at = t.boundaries.findIndex((b) => n < b);
      return at < 0 ? t.boundaries.length : at;
    }
  }
}
