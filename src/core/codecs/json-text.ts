/**
 * JSON text with numbers written as given: the v1 answer prints float32 values as TF Serving does
 * (`1.0`, `NaN`), which `JSON.stringify` cannot. Deterministic on every isolate: the digits are
 * the shortest decimal that reads back as the same float32 (json-values.ts `shortestFloat32`).
 */
import { type Json, shortestFloat32 } from "./json-values.ts";

/** A number already written as JSON text (or as one of TF Serving's tokens NaN, Infinity, -Infinity). */
export class NumberText {
  constructor(readonly text: string) {}
}

/** A JSON value whose leaves may be pre-written numbers. */
export type Tree = Json | NumberText | Tree[] | { [key: string]: Tree };

/**
 * A float32 as TF Serving's `WriteDecimal` writes it: the shortest round-tripping decimal, ".0"
 * appended when it has neither a point nor an exponent; NaN and ±Infinity as bare tokens.
 */
export function float32Text(x: number): NumberText {
  if (Number.isNaN(x)) return new NumberText("NaN");
  if (!Number.isFinite(x)) return new NumberText(x > 0 ? "Infinity" : "-Infinity");
  const digits = Object.is(x, -0) ? "-0" : String(shortestFloat32(x));
  return new NumberText(/[.e]/.test(digits) ? digits : `${digits}.0`);
}

/** Writes a tree as compact JSON text (what `JSON.stringify` writes, but numbers as given). */
export function writeJson(value: Tree): string {
  if (value instanceof NumberText) return value.text;
  if (Array.isArray(value)) return `[${value.map(writeJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${writeJson(v)}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(value);
}
