/**
 * Wiring: builds one request's serving dependencies from `env` and its settings (never stashed
 * in module scope). Every adapter and the runtime are chosen here, and only here.
 */

import { BUNDLED_MODELS } from "../adapters/bundled/models.generated.ts";
import { bundledSource } from "../adapters/bundled/source.ts";
import { cacheApiFiles } from "../adapters/cache-api/artifact-files.ts";
import { cacheApiPredictions, defaultCache } from "../adapters/cache-api/predictions.ts";
import { kvContext } from "../adapters/kv/context-store.ts";
import { r2Source } from "../adapters/r2/source.ts";
import { Registry } from "../core/models/registry.ts";
import type { ModelRuntime } from "../core/models/runtime.ts";
import { log } from "../core/observability/log.ts";
import { createTrace } from "../core/observability/trace.ts";
import type { Deps } from "../core/serving/dataplane.ts";
import { leanRuntime } from "../runtime/lean/runtime.ts";
import { type BackendChoice, ensureBackend, tensorMemory } from "../runtime/tfjs/backend.ts";
import { tfjsRuntime } from "../runtime/tfjs/model.ts";
import { WASM_SIMD } from "../runtime/tfjs/wasm-simd.ts";
import { PIPELINES } from "./pipelines.ts";
import { type LogPredictions, predictionLog } from "./prediction-log.ts";
import type { Settings } from "./settings.ts";

export interface RequestScope {
  settings: Settings;
  /** The TF.js backend choice, started on first call (before any TF.js load). */
  backend: () => Promise<BackendChoice>;
  deps: Deps;
  /** The runtime's tensor accounting once its backend is up (GET /_internal/memory, soak tests). */
  memory(): Promise<Record<string, unknown>>;
  /** Ends the request's prediction-log capture (absent when logging is off); returns the records queued. */
  logPredictions?: LogPredictions;
}

/** What the transport knows about the request: its id (else one is made) and `ctx.waitUntil`. */
export interface RequestInfo {
  requestId?: string;
  waitUntil?: (promise: Promise<unknown>) => void;
  /** The authenticated caller (`key:<sha256 prefix>`), which scopes the prediction cache. */
  principal?: string;
  /** "v1", "v2" or "rpc": how the request came (the prediction log's `protocol`). */
  protocol?: string;
}

export function requestScope(env: Env, settings: Settings, request: RequestInfo = {}): RequestScope {
  // This request's recorder (spans, model, cache outcome); every line logged for it names its id.
  const trace = createTrace(request.requestId ?? crypto.randomUUID());
  const logged = (event: string, detail: Record<string, unknown>) =>
    log(event, { request_id: trace.requestId, ...detail });
  // Started on first need: by a TF.js load (the lean path's plans need no backend, so a cold
  // isolate answers a small dense model without instantiating TF.js' wasm) or by `memory()`.
  let started: Promise<BackendChoice> | undefined;
  const backend = () => {
    started ??= ensureBackend(settings.backend, WASM_SIMD).then((choice) => {
      if (choice.fallback)
        logged("backend_fallback", { requested: settings.backend, backend: choice.backend, reason: choice.fallback });
      return choice;
    });
    return started;
  };
  // Bundled first: a version both hold is served from the Worker itself; R2 adds versions, and
  // its pointer records set the labels (see core/models/registry.ts, docs/model-repository.md).
  // MODEL_REPOSITORY=off leaves the bundled models alone: no pointer-record read per request.
  const sources = [bundledSource(BUNDLED_MODELS)];
  if (settings.repository) {
    const files = cacheApiFiles(typeof caches === "undefined" ? undefined : caches.default, logged);
    sources.push(r2Source(env.REGISTRY, env.MODELS, { cacheTtl: settings.kvCacheTtl, files, memo: settings.memo }));
  }
  const tfjs: ModelRuntime = {
    id: tfjsRuntime.id,
    load: async (files, label) => (await backend(), tfjsRuntime.load(files, label)),
  };
  const registry = new Registry(sources, {
    memo: settings.memo,
    runtime: settings.fastPath ? leanRuntime(tfjs) : tfjs,
    pipelines: PIPELINES,
    log: logged,
  });
  const context = kvContext(env.CONTEXT, { cacheTtl: settings.kvCacheTtl, timeoutMs: settings.kvTimeoutMs });
  const cache = settings.predictionCache.enabled ? defaultCache() : undefined;
  const predictionCache =
    cache &&
    cacheApiPredictions(cache, { ttl: settings.predictionCache.ttl, waitUntil: request.waitUntil, log: logged });
  // PREDICTION_CACHE_SCOPE=key: an API-key caller reads and writes its own entries only.
  const keyed = settings.predictionCache.scope === "key" && request.principal?.startsWith("key:");
  const cacheScope = keyed ? request.principal! : "";
  const memory = async () => (await backend(), tensorMemory());
  const logging = predictionLog(
    env,
    settings,
    { requestId: trace.requestId, protocol: request.protocol ?? "v2", waitUntil: request.waitUntil },
    logged,
  );
  return {
    settings,
    backend,
    memory,
    ...(logging ? { logPredictions: logging.finish } : {}),
    deps: {
      registry,
      context,
      limits: settings.limits,
      log: logged,
      trace,
      ...(predictionCache ? { predictionCache, cacheScope } : {}),
      ...(logging ? { capture: logging.capture, shadow: logging.shadow } : {}),
    },
  };
}
