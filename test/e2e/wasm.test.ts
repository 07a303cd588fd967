/**
 * The wasm-SIMD backend in the built bundle under Miniflare with the production config: it is the
 * backend that serves (a silent fallback to cpu fails here), it agrees with the cpu backend on every
 * fixture model, and the bundle stays inside its gzip budget with only the SIMD binary in it.
 */

import { readdirSync, readFileSync } from "node:fs";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleSize, GZIP_BUDGET_BYTES, kib } from "../../scripts/bundle-size.ts";
import { client } from "../support/client.ts";
import { expectClose, REFERENCE } from "../support/reference.ts";
import { BUNDLE_DIR, fetcher, startWorker } from "./worker.ts";

/** wasm and cpu may differ in the last float32 bits (other summation order, fused multiply-add). */
const BACKEND_TOLERANCE = 1e-5;

let wasm: Miniflare;
let cpu: Miniflare;
beforeAll(async () => {
  [wasm, cpu] = await Promise.all([
    startWorker({ vars: { DIAGNOSTICS: "on" } }),
    startWorker({ vars: { DIAGNOSTICS: "on", TFJS_BACKEND: "cpu" } }),
  ]);
});
afterAll(async () => {
  await Promise.all([wasm?.dispose(), cpu?.dispose()]);
});

describe("the wasm backend in the built bundle", () => {
  it("is the production default and actually serves (no silent fallback to cpu)", async () => {
    expect(readFileSync("wrangler.toml", "utf8")).toMatch(/^TFJS_BACKEND\s*=\s*"wasm"/m);
    const api = client(fetcher(wasm));
    expect(
      (await api.post("/v1/models/tiny_layers:predict", { instances: [{ features: [1, 2, 3, 4], extra: [0, 1] }] }))
        .status,
    ).toBe(200);
    const memory = (await api.get("/_internal/memory")).json;
    expect(memory.backend).toBe("wasm");
    expect(memory.wasmHeapBytes).toBeGreaterThan(0);
    expect((await client(fetcher(cpu)).get("/_internal/memory")).json.backend).toBe("cpu");
  });

  it.each(REFERENCE.models.map((m) => [`${m.name} v${m.version}`, m] as const))(
    "%s: gives the cpu backend's outputs within 1e-5 on every reference case",
    async (_label, model) => {
      for (const c of model.cases) {
        const path = `/v1/models/${model.name}/versions/${model.version}:predict`;
        const [onWasm, onCpu] = await Promise.all(
          [wasm, cpu].map((mf) => client(fetcher(mf)).post(path, { inputs: c.inputs })),
        );
        expect(onWasm!.status, onWasm!.text).toBe(200);
        expect(onCpu!.status, onCpu!.text).toBe(200);
        // One output answers as a bare array, several as an object keyed by output name.
        const names = Object.keys(c.outputs);
        const byName = (json: { outputs: unknown }) =>
          names.length === 1 ? { [names[0]!]: json.outputs } : (json.outputs as Record<string, unknown>);
        const [w, p] = [byName(onWasm!.json), byName(onCpu!.json)];
        for (const name of names) {
          expectClose(w[name], p[name], BACKEND_TOLERANCE, `${model.name}/${c.name}.${name} (wasm vs cpu)`);
          expectClose(
            w[name],
            c.outputs[name],
            BACKEND_TOLERANCE,
            `${model.name}/${c.name}.${name} (wasm vs Node reference)`,
          );
        }
      }
    },
  );
});

describe("the bundle", () => {
  it("carries only the SIMD .wasm (no plain, no threaded binary)", () => {
    const wasmFiles = readdirSync(BUNDLE_DIR).filter((f) => f.endsWith(".wasm"));
    expect(wasmFiles).toHaveLength(1);
    expect(wasmFiles[0]).toMatch(/-tfjs-backend-wasm-simd\.wasm$/);
  });

  it(`stays under its gzip budget (${kib(GZIP_BUDGET_BYTES)})`, () => {
    const size = bundleSize(BUNDLE_DIR);
    expect(size.files.some((f) => f.file === "worker.js")).toBe(true);
    expect(size.gzipBytes, `bundle is ${kib(size.gzipBytes)} gzip`).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
  });
});
