/**
 * Weight shards decoded without TF.js, exactly as tfjs-core's io (`decodeWeights`, 4.22) does:
 * float32 and int32 as stored; converter-quantized float32 weights as `q * scale + min` computed
 * in double and stored as float32 (uint8, uint16) or decoded from IEEE half floats (float16,
 * every half value is exact in float32). Anything else (strings, bool, complex) is not decoded:
 * the model then keeps the TF.js path.
 */

export interface Weight {
  shape: number[];
  values: Float32Array | Int32Array;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** Decodes every weight of the concatenated shards; undefined when one is of a kind not decoded here. */
export function decodeWeights(specs: readonly WeightSpec[], data: ArrayBuffer): Map<string, Weight> | undefined {
  const weights = new Map<string, Weight>();
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const stored = spec.quantization?.dtype ?? spec.dtype;
    const width = BYTES[stored];
    if (width === undefined || (spec.dtype !== "float32" && spec.dtype !== "int32")) return undefined;
    const bytes = data.slice(offset, offset + size * width);
    if (bytes.byteLength !== size * width) return undefined;
    offset += size * width;
    const values = decode(spec, bytes, size);
    if (!values) return undefined;
    weights.set(spec.name, { shape: spec.shape, values });
  }
  return weights;
}

function decode(spec: WeightSpec, bytes: ArrayBuffer, size: number): Float32Array | Int32Array | undefined {
  const q = spec.quantization;
  if (!q) return spec.dtype === "float32" ? new Float32Array(bytes) : new Int32Array(bytes);
  if (q.dtype === "float16") return spec.dtype === "float32" ? halfToFloat(new Uint16Array(bytes)) : undefined;
  if (typeof q.min !== "number" || typeof q.scale !== "number") return undefined;
  const raw = q.dtype === "uint8" ? new Uint8Array(bytes) : new Uint16Array(bytes);
  const out = spec.dtype === "float32" ? new Float32Array(size) : new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const v = raw[i]! * q.scale + q.min;
    out[i] = spec.dtype === "float32" ? v : Math.round(v);
  }
  return out;
}

/** IEEE 754 binary16 to float32 (exact: zero, subnormals, normals, infinities, NaN). */
export function halfToFloat(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[i] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) out[i] = mantissa === 0 ? sign * Infinity : Number.NaN;
    else out[i] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return out;
}
