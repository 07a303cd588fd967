/**
 * Building host tensors from JSON values, with errors that name the field, what was
 * expected and what came. Shared by the v1 and v2 codecs.
 */
import { describeValue, invalidInput } from "../errors.ts";
import { int32Range, integerRange, type V2Datatype } from "./dtypes.ts";
import type { HostTensor, TensorSpec, TfDtype } from "./spec.ts";

export interface Limits {
  /** Largest batch (dimension 0 / number of v1 instances). */
  maxBatch: number;
  /** Largest number of elements in one tensor. */
  maxElements: number;
  /** Largest UTF-8 length of one string element, in bytes. */
  maxStringBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxBatch: 1024, maxElements: 1_000_000, maxStringBytes: 65_536 };

/**
 * Most dimensions a tensor in a request may have (nesting depth of JSON data, length of a v2
 * `shape`). Far above any model's rank, and it bounds every walk over client data, so deep
 * nesting is a 400, never a stack overflow.
 */
export const MAX_RANK = 32;

/** How many dimensions an error message prints before it summarises the rest. */
const SHOWN_DIMS = 8;

const encoder = new TextEncoder();

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** A shape for messages; a long one is cut short (a 2-million-dimension shape must not make a 6 MB error). */
export function formatShape(shape: readonly number[]): string {
  if (shape.length <= SHOWN_DIMS) return `[${shape.join(", ")}]`;
  return `[${shape.slice(0, SHOWN_DIMS).join(", ")}, … (${shape.length} dimensions)]`;
}

/** True when two shapes are the same. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Refuses a batch of zero rows (a first dimension of 0), the same for every model and protocol
 * (v1 `instances: []` is refused by its schema): nothing would run, and a model or pipeline
 * given no rows has nothing to answer.
 */
export function checkRows(shape: readonly number[], where: string): void {
  if (shape.length > 0 && shape[0] === 0) throw invalidInput(`${where}: at least 1 row is required per request, got 0`);
}

/** Refuses a shape with more than MAX_RANK dimensions. */
export function checkRank(rank: number, where: string): void {
  if (rank > MAX_RANK) {
    throw invalidInput(`${where}: at most ${MAX_RANK} dimensions are allowed, got ${rank}`);
  }
}

function isB64(value: unknown): value is { b64: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { b64?: unknown }).b64 === "string"
  );
}

/**
 * Walks a nested JSON array and returns its shape and row-major leaves.
 * Ragged arrays are refused, naming the first path whose length differs.
 */
export function flatten(value: unknown, where: string, limits: Limits): { shape: number[]; leaves: unknown[] } {
  const shape: number[] = [];
  for (let probe = value; Array.isArray(probe); probe = probe[0]) {
    shape.push(probe.length);
    if (shape.length > MAX_RANK) {
      throw invalidInput(
        `${where}: arrays may be nested at most ${MAX_RANK} deep (a tensor of rank ${MAX_RANK}), got more`,
      );
    }
    if (probe.length === 0) break;
  }
  const total = elementCount(shape);
  if (total > limits.maxElements) {
    throw invalidInput(`${where}: at most ${limits.maxElements} elements are allowed per tensor, got ${total}`);
  }
  const leaves: unknown[] = [];
  // Index path of the node being walked; the error text is built only when something is wrong.
  const index: number[] = [];
  const pathText = () => `${where}${index.map((i) => `[${i}]`).join("")}`;
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) {
        throw invalidInput(
          `${pathText()}: expected a scalar at nesting depth ${depth} (shape ${formatShape(shape)}), got ${describeValue(node)}`,
        );
      }
      leaves.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw invalidInput(
        `${pathText()}: ragged tensor, expected an array of length ${shape[depth]} like its first sibling, got ${describeValue(node)}`,
      );
    }
    if (depth === shape.length - 1) {
      // Innermost axis: leaves only (checked above to be an array of the right length).
      for (let i = 0; i < node.length; i++) {
        const leaf: unknown = node[i];
        if (Array.isArray(leaf)) {
          index.push(i);
          throw invalidInput(
            `${pathText()}: expected a scalar at nesting depth ${depth + 1} (shape ${formatShape(shape)}), got ${describeValue(leaf)}`,
          );
        }
        leaves.push(leaf);
      }
      return;
    }
    for (let i = 0; i < node.length; i++) {
      index.push(i);
      walk(node[i], depth + 1);
      index.pop();
    }
  };
  walk(value, 0);
  return { shape, leaves };
}

/** True when `shape` fits `spec` (same rank; -1 in the spec matches any size). */
export function shapeFits(spec: readonly number[], shape: readonly number[]): boolean {
  return spec.length === shape.length && spec.every((d, i) => d === -1 || d === shape[i]);
}

export function checkShape(spec: TensorSpec, shape: readonly number[], where: string): void {
  if (!shapeFits(spec.shape, shape)) {
    throw invalidInput(
      `${where}: expected shape ${formatShape(spec.shape)} (-1 = any) for input '${spec.name}', got ${formatShape(shape)}`,
    );
  }
}

/**
 * Converts row-major JSON leaves into a host tensor of `dtype`, checking each value.
 * `datatype` is the v2 datatype a client declared (integers are range-checked against it).
 * `allowB64` accepts TF Serving's `{"b64": "…"}` for strings.
 */
export function toHostTensor(
  leaves: readonly unknown[],
  shape: number[],
  dtype: TfDtype,
  where: string,
  limits: Limits,
  options: { datatype?: V2Datatype; allowB64?: boolean } = {},
): HostTensor {
  const at = (i: number) => (shape.length === 0 ? where : `${where} element ${i}`);
  switch (dtype) {
    case "float32": {
      const values = new Float32Array(leaves.length);
      leaves.forEach((v, i) => {
        if (typeof v !== "number") throw invalidInput(`${at(i)}: expected a number, got ${describeValue(v)}`);
        const f = Math.fround(v);
        if (!Number.isFinite(f)) throw invalidInput(`${at(i)}: ${v} is outside the range of FP32`);
        values[i] = f;
      });
      return { dtype, shape, values };
    }
    case "int32": {
      const [lo, hi] = (options.datatype && integerRange(options.datatype)) ?? int32Range();
      const values = new Int32Array(leaves.length);
      leaves.forEach((v, i) => {
        if (typeof v !== "number" || !Number.isInteger(v)) {
          throw invalidInput(`${at(i)}: expected an integer, got ${describeValue(v)}`);
        }
        if (v < lo || v > hi) {
          throw invalidInput(
            `${at(i)}: expected an integer in [${lo}, ${hi}]${options.datatype ? ` for ${options.datatype}` : ""}, got ${v}`,
          );
        }
        values[i] = v;
      });
      return { dtype, shape, values };
    }
    case "bool": {
      const values = leaves.map((v, i) => {
        if (typeof v !== "boolean") throw invalidInput(`${at(i)}: expected true or false, got ${describeValue(v)}`);
        return v;
      });
      return { dtype, shape, values };
    }
    case "string": {
      let allText = true;
      const values = leaves.map((v, i) => {
        let bytes: Uint8Array;
        if (typeof v === "string") {
          if (!v.isWellFormed()) throw invalidInput(`${at(i)}: string is not valid Unicode (lone surrogate)`);
          bytes = encoder.encode(v);
        } else if (options.allowB64 && isB64(v)) {
          allText = false;
          bytes = decodeBase64(v.b64, at(i));
        } else {
          throw invalidInput(
            `${at(i)}: expected a string${options.allowB64 ? ' or {"b64": "…"}' : ""}, got ${describeValue(v)}`,
          );
        }
        if (bytes.length > limits.maxStringBytes) {
          throw invalidInput(`${at(i)}: strings may be at most ${limits.maxStringBytes} bytes, got ${bytes.length}`);
        }
        return bytes;
      });
      const tensor: HostTensor = { dtype, shape, values };
      // Well-formed strings all: their UTF-8 decodes back to them exactly (HostTensor.text). Not
      // enumerable, so the tensor compares, clones and spreads as before (a spread copy drops it).
      if (allText) Object.defineProperty(tensor, "text", { value: leaves as string[] });
      return tensor;
    }
  }
}

function decodeBase64(text: string, where: string): Uint8Array {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.replace(/=+$/, "").length % 4 === 1) {
    throw invalidInput(`${where}: "b64" must hold base64 text, got ${describeValue(text)}`);
  }
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * A string tensor of JSON texts, each exactly as `JSON.stringify` wrote it (HostTensor.jsonText):
 * the codecs splice the texts; `values` (their UTF-8 bytes, for readers of raw bytes such as the
 * prediction log) are encoded on first read only, so an answer that splices them never encodes.
 */
export function jsonTextTensor(texts: readonly string[], shape: number[]): HostTensor {
  let bytes: Uint8Array[] | undefined;
  return {
    dtype: "string",
    shape,
    jsonText: texts,
    get values() {
      bytes ??= texts.map((t) => encoder.encode(t));
      return bytes;
    },
  };
}

/** Concatenates host tensors of one dtype along a new leading axis (v1 rows → a batch). */
export function stackRows(rows: HostTensor[], dtype: TfDtype): HostTensor {
  const first = rows[0];
  const rowShape = first ? first.shape : [];
  const shape = [rows.length, ...rowShape];
  if (dtype === "float32" || dtype === "int32") {
    const size = elementCount(rowShape);
    const values = dtype === "float32" ? new Float32Array(rows.length * size) : new Int32Array(rows.length * size);
    rows.forEach((r, i) => values.set(r.values as ArrayLike<number>, i * size));
    return { dtype, shape, values };
  }
  const values = rows.flatMap((r) => r.values as unknown[]) as boolean[] | Uint8Array[];
  return { dtype, shape, values };
}
