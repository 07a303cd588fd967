/**
 * Helpers of the lean-runtime equality tests: artifacts read from disk or written by tfjs-layers'
 * own `model.save`, weights re-encoded the way tfjs-converter quantizes them, and the comparison
 * of two answers within the asserted tolerance.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { NamedTensors } from "../../src/core/tensors/spec.ts";

export const bytesOf = (path: string): ArrayBuffer => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

/** Every file of an artifact directory, as the model sources hand them to a runtime. */
export function artifactFiles(dir: string): Map<string, ArrayBuffer> {
  return new Map(readdirSync(dir).map((f) => [f, bytesOf(join(dir, f))]));
}

export type Quantization = "none" | "uint8" | "uint16" | "float16";

/** float32 to IEEE half (truncating the mantissa; any valid half will do, both sides decode the same bytes). */
function toHalf(v: number): number {
  const u = new Uint32Array(new Float32Array([v]).buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exponent = ((u >>> 23) & 0xff) - 127 + 15;
  const mantissa = u & 0x7fffff;
  if (exponent <= 0) return exponent < -10 ? sign : sign | ((mantissa | 0x800000) >> (14 - exponent));
  if (exponent >= 31) return sign | 0x7c00;
  return sign | (exponent << 10) | (mantissa >> 13);
}

interface Spec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number; original_dtype?: string };
}

/**
 * Float32 weights re-encoded as tfjs-converter's `--quantize_uint8/uint16/float16` writes them:
 * affine `min` + `scale` per weight (q = round((w - min) / scale)) or IEEE half floats.
 */
export function quantize(specs: Spec[], data: ArrayBuffer, kind: Quantization): { specs: Spec[]; data: ArrayBuffer } {
  if (kind === "none") return { specs, data };
  const parts: Uint8Array[] = [];
  let offset = 0;
  const out = specs.map((spec) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(data.slice(offset, offset + 4 * n));
    offset += 4 * n;
    if (kind === "float16") {
      parts.push(new Uint8Array(Uint16Array.from(w, toHalf).buffer));
      return { ...spec, quantization: { dtype: "float16", original_dtype: "float32" } };
    }
    const levels = kind === "uint8" ? 255 : 65535;
    const min = Math.min(...w);
    const scale = (Math.max(...w) - min) / levels || 1;
    const q = Array.from(w, (v) => Math.round((v - min) / scale));
    parts.push(new Uint8Array((kind === "uint8" ? Uint8Array.from(q) : Uint16Array.from(q)).buffer));
    return { ...spec, quantization: { dtype: kind, min, scale, original_dtype: "float32" } };
  });
  const joined = new Uint8Array(parts.reduce((t, p) => t + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.byteLength;
  }
  return { specs: out, data: joined.buffer };
}

/**
 * The worst ratio of |lean - tfjs| to `tol * max(1, |tfjs|)` over every output value: `tol`
 * relative for outputs of magnitude >= 1, absolute below (docs/performance.md: why an absolute
 * floor is needed, and the bound it stands for). At most 1 means within the tolerance.
 */
export function worstRatio(lean: NamedTensors, tfjs: NamedTensors, tol = 1e-6): number {
  let worst = 0;
  for (const [name, t] of Object.entries(tfjs)) {
    const a = lean[name]!.values as Float32Array;
    const b = t.values as Float32Array;
    if (a.length !== b.length || lean[name]!.shape.join() !== t.shape.join()) return Infinity;
    for (let i = 0; i < b.length; i++) {
      const diff = Math.abs(a[i]! - b[i]!);
      if (Number.isNaN(diff)) return Number.isNaN(a[i]!) && Number.isNaN(b[i]!) ? worst : Infinity;
      worst = Math.max(worst, diff / (tol * Math.max(1, Math.abs(b[i]!))));
    }
  }
  return worst;
}
