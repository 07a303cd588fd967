/**
 * Selects the TF.js backend before any model is loaded (skips TF.js' WebGL probe).
 *
 * "wasm" is TF.js' WebAssembly backend running its SIMD binary. The binary arrives as an already
 * compiled `WebAssembly.Module` from the caller (in workerd an adapter imports the .wasm file as a
 * module: the runtime forbids compiling wasm from bytes at run time, which is how TF.js would load
 * it). We start TF.js' own emscripten factory with an `instantiateWasm` hook that instantiates that
 * module, and register the result as the "wasm" backend. When it cannot start, or no module was
 * given, the cpu backend serves and the choice says why, so the caller can log it.
 *
 * BACKEND START-UP MEMO. TF.js keeps its backends in process-wide state; `STARTED` (keyed by the
 * compiled module) only makes the wasm start single-flight: concurrent first requests share one
 * start, and a failed start is not retried on every request. It stores the outcome, never request
 * data; answers do not depend on it beyond which backend computes them.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import wasmFactory, { type BackendWasmModule } from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js";

export type BackendName = "cpu" | "wasm";

/** The parts of the emscripten module used here (its .d.ts leaves EmscriptenModule undeclared). */
type WasmModule = BackendWasmModule & {
  cwrap: (name: string, returns: string | null, args: string[]) => (...args: number[]) => number;
  HEAPU8: Uint8Array;
};

export interface BackendChoice {
  /** The backend that serves. */
  backend: BackendName;
  /** Why the requested backend is not the one serving (unset when it is). */
  fallback?: string;
}

const STARTED = new WeakMap<WebAssembly.Module, Promise<BackendChoice>>();

/**
 * Makes `name` the active backend (or cpu, when wasm cannot start). `wasmSimd` is the compiled
 * tfjs-backend-wasm-simd.wasm; only needed for "wasm". Every call that ends on the fallback
 * reports it, so a caller logging it logs once per request that hits it.
 */
export async function ensureBackend(name: BackendName, wasmSimd?: WebAssembly.Module): Promise<BackendChoice> {
  if (name === "cpu") return useCpu();
  if (!wasmSimd) return useCpu("no compiled tfjs-backend-wasm-simd.wasm was supplied");
  let started = STARTED.get(wasmSimd);
  if (!started) {
    started = startWasm(wasmSimd);
    STARTED.set(wasmSimd, started);
  }
  const choice = await started;
  return choice.backend === "wasm" ? useWasm() : useCpu(choice.fallback);
}

async function useCpu(fallback?: string): Promise<BackendChoice> {
  if (tf.getBackend() !== "cpu") await tf.setBackend("cpu");
  return fallback === undefined ? { backend: "cpu" } : { backend: "cpu", fallback };
}

async function useWasm(): Promise<BackendChoice> {
  if (tf.getBackend() !== "wasm" && !(await tf.setBackend("wasm")))
    throw new Error("tf.setBackend('wasm') returned false");
  return { backend: "wasm" };
}

async function startWasm(wasmSimd: WebAssembly.Module): Promise<BackendChoice> {
  try {
    const backend = new BackendWasm(await instantiate(wasmSimd));
    // Replace TF.js' own factory (which would fetch and compile the .wasm) with the started backend.
    if (tf.findBackendFactory("wasm")) tf.removeBackend("wasm");
    tf.registerBackend("wasm", () => backend, 2);
    return await useWasm();
  } catch (err) {
    return {
      backend: "cpu",
      fallback: `wasm backend failed to start: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** TF.js' emscripten factory, with the module instantiated from the given compiled code. */
function instantiate(compiled: WebAssembly.Module): Promise<WasmModule> {
  return new Promise<WasmModule>((resolve, reject) => {
    const fail = (err: unknown) => reject(err instanceof Error ? err : new Error(String(err)));
    wasmFactory({
      instantiateWasm: (
        imports: WebAssembly.Imports,
        receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) => {
        WebAssembly.instantiate(compiled, imports)
          .then((instance) => receive(instance, compiled))
          .catch(fail);
        return {};
      },
      onAbort: (msg: string) => fail(new Error(`emscripten aborted: ${msg}`)),
    }).then((module) => {
      const wasm = module as WasmModule;
      // The same bridge TF.js' own init() builds (tfjs-backend-wasm 4.22.0, backend_wasm.ts).
      wasm.tfjs = {
        init: wasm.cwrap("init", null, []),
        initWithThreadsCount: wasm.cwrap("init_with_threads_count", null, ["number"]),
        getThreadsCount: wasm.cwrap("get_threads_count", "number", []),
        registerTensor: wasm.cwrap("register_tensor", null, ["number", "number", "number"]),
        disposeData: wasm.cwrap("dispose_data", null, ["number"]),
        dispose: wasm.cwrap("dispose", null, []),
      };
      resolve(wasm);
    }, fail);
  });
}

/** TF.js' own tensor accounting (and the wasm heap, which only grows), for tests and diagnostics. */
export function tensorMemory(): { numTensors: number; numBytes: number; backend: string; wasmHeapBytes?: number } {
  const { numTensors, numBytes } = tf.memory();
  const backend = tf.getBackend();
  const memory = { numTensors, numBytes, backend };
  if (backend !== "wasm") return memory;
  return { ...memory, wasmHeapBytes: ((tf.backend() as BackendWasm).wasm as WasmModule).HEAPU8.byteLength };
}
