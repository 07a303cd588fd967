/**
 * Backend selection in Node: wasm starts from a compiled SIMD module and agrees with cpu; without
 * a module, or with one that is not TF.js' binary, cpu serves and every call says why (so the Worker
 * logs the fallback once per request that hits it).
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { ensureBackend, tensorMemory } from "../../src/runtime/tfjs/backend.ts";

/** Node's WebAssembly.compile (workers-types leave it out: workerd forbids compiling at run time). */
const compileWasm = (bytes: Uint8Array) =>
  (WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> }).compile(bytes);

const simdPath = createRequire(import.meta.url).resolve(
  "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
);
/** The smallest valid wasm module: compiles and instantiates, but is not TF.js' binary. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

function matMul(): number[] {
  return tf.tidy(() => {
    const a = tf.tensor2d([0.1, -2, 3.5, 4, 5, -6.25], [2, 3]);
    const b = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    return Array.from(tf.sigmoid(tf.div(tf.matMul(a, b), 10)).dataSync());
  });
}

describe("ensureBackend", () => {
  it("falls back to cpu when no compiled module is given, and says so on every call", async () => {
    for (let i = 0; i < 2; i++) {
      const choice = await ensureBackend("wasm");
      expect(choice.backend).toBe("cpu");
      expect(choice.fallback).toMatch(/no compiled tfjs-backend-wasm-simd\.wasm/);
      expect(tf.getBackend()).toBe("cpu");
    }
  });

  it("falls back to cpu when the module is not TF.js' binary, and keeps serving", async () => {
    const bogus = await compileWasm(EMPTY_MODULE);
    const choice = await ensureBackend("wasm", bogus);
    expect(choice).toMatchObject({ backend: "cpu", fallback: expect.stringMatching(/wasm backend failed to start/) });
    expect((await ensureBackend("wasm", bogus)).fallback).toBe(choice.fallback);
    expect(matMul()).toHaveLength(4);
  });

  it("runs on wasm from the compiled SIMD binary with the cpu backend's results", async () => {
    const cpu = (await ensureBackend("cpu"), matMul());
    const simd = await compileWasm(readFileSync(simdPath));
    expect(await ensureBackend("wasm", simd)).toEqual({ backend: "wasm" });
    expect(tensorMemory()).toMatchObject({ backend: "wasm", wasmHeapBytes: expect.any(Number) });
    const wasm = matMul();
    wasm.forEach((v, i) => expect(Math.abs(v - cpu[i]!)).toBeLessThan(1e-5));
    // cpu is still selectable afterwards (settings decide per request).
    expect(await ensureBackend("cpu")).toEqual({ backend: "cpu" });
    expect(tf.getBackend()).toBe("cpu");
  });
});
