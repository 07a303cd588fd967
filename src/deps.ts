/**
 * Builds the serving dependencies from `env`, once per request (never stashed in module scope).
 */
import { bundledSource } from "./adapters/bundled.ts";
import { BUNDLED_MODELS } from "./adapters/bundled-models.generated.ts";
import { kvContext } from "./adapters/kv-context.ts";
import { WASM_SIMD } from "./adapters/wasm-backend.ts";
import { settingsFrom, type Settings } from "./config.ts";
import { ensureBackend } from "./core/backend.ts";
import type { Deps } from "./core/dataplane.ts";
import { PIPELINES } from "./core/pipelines.ts";
import { Registry } from "./core/registry.ts";

export interface RequestScope {
  settings: Settings;
  deps: Deps;
}

export function log(event: string, detail: Record<string, unknown>): void {
  console.log(JSON.stringify({ event, ...detail }));
}

export async function makeDeps(env: Env): Promise<RequestScope> {
  const settings = settingsFrom(env as unknown as Record<string, unknown>);
  const backend = await ensureBackend(settings.backend, WASM_SIMD);
  if (backend.fallback) log("backend_fallback", { requested: settings.backend, backend: backend.backend, reason: backend.fallback });
  const registry = new Registry([bundledSource(BUNDLED_MODELS)], { memo: settings.memo, pipelines: PIPELINES });
  const context = kvContext(env.CONTEXT, { cacheTtl: settings.kvCacheTtl, timeoutMs: settings.kvTimeoutMs });
  return { settings, deps: { registry, context, limits: settings.limits, log } };
}
