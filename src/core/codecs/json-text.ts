/**
 * JSON text with numbers written as given: the v1 answer prints float32 values as TF Serving does
 * (`1.0`, `NaN`), which `JSON.stringify` cannot. Deterministic on every isolate: the digits are
 * the shortest decimal that reads back as the same float32 (json-values.ts `shortestFloat32`).
 */
import { elementCount } from "../tensors/tensors.ts";
import { type Json, shortestFloat32 } from "./json-values.ts";

/** A JSON fragment already written (a tensor's nested arrays, with numbers as TF Serving prints them). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A JSON value whose parts may be pre-written fragments. */
export type Tree = Json | RawJson | Tree[] | { [key: string]: Tree };

/**
 * A float32 as TF Serving's `WriteDecimal` writes it: the shortest round-tripping decimal, ".0"
 * appended when it has neither a point nor an exponent; NaN and ±Infinity as bare tokens.
 */
export function float32Text(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  const digits = Object.is(x, -0) ? "-0" : String(shortestFloat32(x));
  return digits.includes(".") || digits.includes("e") ? digits : `${digits}.0`;
}

/** Row-major leaves (each already JSON text) nested as `shape`, as one fragment. */
export function nestText(leaves: readonly string[], shape: readonly number[]): RawJson {
  if (shape.length === 0) return new RawJson(leaves[0] ?? "null");
  let level: string[] = [...leaves];
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis]!;
    const groups = size === 0 ? elementCount(shape.slice(0, axis)) : level.length / size;
    const next: string[] = new Array(groups);
    for (let g = 0; g < groups; g++) next[g] = `[${level.slice(g * size, (g + 1) * size).join(",")}]`;
    level = next;
  }
  return new RawJson(level[0]!);
}

/** Writes a tree as compact JSON text (what `JSON.stringify` writes, fragments as given). */
export function writeJson(value: Tree): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(writeJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${writeJson(v)}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(value);
}
