/**
 * Settings read from the Worker's environment (wrangler.toml [vars], secrets) per request.
 * Nothing here is cached: the environment is the source of truth on every isolate.
 */
import type { BackendName } from "../runtime/tfjs/backend.ts";
import { ServeError } from "../core/errors.ts";
import type { Limits } from "../core/tensors/tensors.ts";

export interface Settings {
  memo: boolean;
  backend: BackendName;
  maxBodyBytes: number;
  limits: Limits;
  kvCacheTtl: number;
  kvTimeoutMs: number;
  diagnostics: boolean;
  /** Serve models from the R2 repository (REGISTRY + MODELS); off = bundled models only, no KV read. */
  repository: boolean;
  /** PREDICTION_CACHE ("off" default) and PREDICTION_CACHE_TTL (seconds, default 300). */
  predictionCache: { enabled: boolean; ttl: number };
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
  const backend = env.TFJS_BACKEND === undefined || env.TFJS_BACKEND === "" ? "wasm" : env.TFJS_BACKEND;
  if (backend !== "wasm" && backend !== "cpu") {
    throw new ServeError(500, "INTERNAL", `server misconfigured: TFJS_BACKEND must be "wasm" or "cpu", got '${String(backend)}'`);
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
    repository: toggle(env, "MODEL_REPOSITORY", true),
    predictionCache: { enabled: toggle(env, "PREDICTION_CACHE", false), ttl: integer(env, "PREDICTION_CACHE_TTL", 300, 1) },
  };
}

/** Who may call, how often, and from which browser origins (read by the HTTP middleware). */
export interface Access {
  /** API keys from the secret API_KEYS; empty means the Worker serves openly. */
  apiKeys: string[];
  /** CORS_ORIGINS: "*" (any origin), a list of origins, or [] (no CORS headers at all). */
  corsOrigins: "*" | string[];
  /** RATE_LIMIT_PERIOD: the `simple.period` of the RATE_LIMITER binding, sent as Retry-After. */
  rateLimitPeriod: 10 | 60;
}

const list = (raw: unknown): string[] =>
  String(raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

export function accessFrom(env: Vars): Access {
  const misconfigured = (message: string) => new ServeError(500, "INTERNAL", `server misconfigured: ${message}`);
  const apiKeys = list(env.API_KEYS);
  if (apiKeys.length === 0 && String(env.API_KEYS ?? "").trim() !== "") throw misconfigured("API_KEYS holds no keys");
  const origins = list(env.CORS_ORIGINS);
  const bad = origins.find((o) => o !== "*" && !/^https?:\/\/[^/\s]+$/.test(o));
  if (bad !== undefined) throw misconfigured(`CORS_ORIGINS: '${bad}' is not an origin like https://app.example`);
  const period = integer(env, "RATE_LIMIT_PERIOD", 60, 1);
  if (period !== 10 && period !== 60) throw misconfigured(`RATE_LIMIT_PERIOD must be 10 or 60, got ${period}`);
  return { apiKeys, corsOrigins: origins.includes("*") ? "*" : origins, rateLimitPeriod: period };
}
