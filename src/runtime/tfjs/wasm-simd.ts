/**
 * The compiled SIMD binary of TF.js' wasm backend, for workerd. The runtime forbids compiling
 * WebAssembly from bytes at run time, so the .wasm is imported as a module (wrangler's default
 * CompiledWasm rule for `**\/*.wasm`) and compiled when the Worker is loaded. Only the SIMD binary
 * is bundled: workerd's V8 always has SIMD, and threads are unavailable in Workers, so the plain
 * and threaded-SIMD binaries are never used.
 */
import simd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm";

export const WASM_SIMD: WebAssembly.Module = simd;
