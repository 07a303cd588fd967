/**
 * Settings read from the Worker's environment (wrangler.toml [vars], secrets) per request.
 * Nothing here is cached: the environment is the source of truth on every isolate.
 */
import { ServeError } from "./core/errors.ts";
import type { Limits } from "./core/tensors.ts";

export interface Settings {
  memo: boolean;
  backend: "cpu";
  maxBodyBytes: number;
  limits: Limits;
  kvCacheTtl: number;
  kvTimeoutMs: number;
  diagnostics: boolean;
}

type Vars = Partial<Record<string, unknown>>;

function integer(env: Vars, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ServeError(500, "INTERNAL", `server misconfigured: ${name} must be an integer >= ${min}, got '${String(raw)}'`);
  }
  return value;
}

function toggle(env: Vars, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "on" || raw === "true") return true;
  if (raw === "off" || raw === "false") return false;
  throw new ServeError(500, "INTERNAL", `server misconfigured: ${name} must be "on" or "off", got '${String(raw)}'`);
}

export function settingsFrom(env: Vars): Settings {
  const backend = env.TFJS_BACKEND ?? "cpu";
  if (backend !== "cpu") {
    throw new ServeError(500, "INTERNAL", `server misconfigured: TFJS_BACKEND must be "cpu", got '${String(backend)}'`);
  }
  return {
    memo: toggle(env, "MODEL_CACHE", true),
    backend,
    maxBodyBytes: integer(env, "MAX_BODY_BYTES", 8 * 1024 * 1024, 1),
    limits: {
      maxBatch: integer(env, "MAX_BATCH", 1024, 1),
      maxElements: integer(env, "MAX_ELEMENTS", 1_000_000, 1),
      maxStringBytes: integer(env, "MAX_STRING_BYTES", 65_536, 1),
    },
    kvCacheTtl: integer(env, "KV_CACHE_TTL", 60, 30),
    kvTimeoutMs: integer(env, "KV_TIMEOUT_MS", 1000, 1),
    diagnostics: toggle(env, "DIAGNOSTICS", false),
  };
}
