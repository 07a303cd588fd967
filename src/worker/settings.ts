/**
 * Settings read from the Worker's environment (wrangler.toml [vars], secrets): every var, its
 * default and its bounds are in `VARS` below, the one place they are written. `settingsFrom(env)`
 * parses them all at once; the HTTP app does it once per request (src/http/settings.ts) and RPC
 * once per call. Nothing is cached across requests: the environment is the source of truth.
 * A bad value is a 500 "server misconfigured" naming the var, what it must be and what it is.
 */
import { ServeError } from "../core/errors.ts";
import type { Limits } from "../core/tensors/tensors.ts";
import type { BackendName } from "../runtime/tfjs/backend.ts";

/** Who may call, how often, and from which browser origins (read by the HTTP middleware). */
export interface Access {
  /** API keys from the secret API_KEYS; empty means the Worker serves openly. */
  apiKeys: string[];
  /** CORS_ORIGINS: "*" (any origin), a list of origins, or [] (no CORS headers at all). */
  corsOrigins: "*" | string[];
  /** RATE_LIMIT_PERIOD: the `simple.period` of the RATE_LIMITER binding, sent as Retry-After. */
  rateLimitPeriod: 10 | 60;
  /** Keys of the flights event feed from the secret INGEST_KEYS; empty means ingestion is closed. */
  ingestKeys: string[];
  /** Keys of declared streams' event feeds (POST /v2/streams/…) from the secret STREAM_KEYS; empty: closed. */
  streamKeys: string[];
  /** Keys of the outcomes route (POST /v2/models/{name}/outcomes) from the secret OUTCOME_KEYS; empty: closed. */
  outcomeKeys: string[];
}

export interface Settings {
  memo: boolean;
  backend: BackendName;
  /** RUNTIME_FAST_PATH: small dense models run as a prepared plan (src/runtime/lean); off = TF.js for all. */
  fastPath: boolean;
  maxBodyBytes: number;
  limits: Limits;
  kvCacheTtl: number;
  kvTimeoutMs: number;
  diagnostics: boolean;
  /** Serve models from the R2 repository (REGISTRY + MODELS); off = bundled models only, no KV read. */
  repository: boolean;
  /**
   * PREDICTION_CACHE ("off" default), PREDICTION_CACHE_TTL (seconds, default 300) and
   * PREDICTION_CACHE_SCOPE: "key" (default: with API keys on, each key has its own entries, so no
   * caller learns another's queries from a hit) or "shared" (one cache for every caller).
   */
  predictionCache: { enabled: boolean; ttl: number; scope: "key" | "shared" };
  /** OUTCOME_RETENTION_DAYS: how long the Monitor object keeps unjoined predictions and outcomes (docs/monitoring.md). */
  outcomeRetentionDays: number;
  /** PREDICTION_LOG ("on" default): answered rows go to the LOG_QUEUE (docs/monitoring.md). */
  predictionLog: boolean;
  access: Access;
}

/** Every var the Worker reads, with its default (used when unset or empty). */
export const VARS = {
  MODEL_CACHE: { toggle: true },
  TFJS_BACKEND: { choice: ["wasm", "cpu"], fallback: "wasm" },
  RUNTIME_FAST_PATH: { toggle: true },
  MAX_BODY_BYTES: { integer: 8 * 1024 * 1024, min: 1 },
  MAX_BATCH: { integer: 1024, min: 1 },
  MAX_ELEMENTS: { integer: 1_000_000, min: 1 },
  MAX_STRING_BYTES: { integer: 65_536, min: 1 },
  KV_CACHE_TTL: { integer: 60, min: 30 },
  KV_TIMEOUT_MS: { integer: 1000, min: 1 },
  DIAGNOSTICS: { toggle: false },
  MODEL_REPOSITORY: { toggle: true },
  PREDICTION_CACHE: { toggle: false },
  PREDICTION_CACHE_TTL: { integer: 300, min: 1 },
  PREDICTION_CACHE_SCOPE: { choice: ["key", "shared"], fallback: "key" },
  PREDICTION_LOG: { toggle: true },
  CORS_ORIGINS: { list: "" },
  RATE_LIMIT_PERIOD: { integer: 60, min: 1 },
  API_KEYS: { list: "", secret: true },
  INGEST_KEYS: { list: "", secret: true },
  STREAM_KEYS: { list: "", secret: true },
  OUTCOME_KEYS: { list: "", secret: true },
  OUTCOME_RETENTION_DAYS: { integer: 14, min: 1 },
} as const;

type VarName = keyof typeof VARS;
type Vars = Partial<Record<string, unknown>>;

const misconfigured = (message: string) => new ServeError(500, "INTERNAL", `server misconfigured: ${message}`);
const given = (env: Vars, name: VarName) => (env[name] === undefined || env[name] === "" ? undefined : env[name]);

function integer(env: Vars, name: VarName & keyof PickKind<"integer">): number {
  const spec = VARS[name];
  const raw = given(env, name);
  if (raw === undefined) return spec.integer;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < spec.min)
    throw misconfigured(`${name} must be an integer >= ${spec.min}, got '${String(raw)}'`);
  return value;
}

function toggle(env: Vars, name: VarName & keyof PickKind<"toggle">): boolean {
  const raw = given(env, name);
  if (raw === undefined) return VARS[name].toggle;
  if (raw === "on" || raw === "true") return true;
  if (raw === "off" || raw === "false") return false;
  throw misconfigured(`${name} must be "on" or "off", got '${String(raw)}'`);
}

function choice<N extends VarName & keyof PickKind<"choice">>(env: Vars, name: N): (typeof VARS)[N]["choice"][number] {
  const spec = VARS[name];
  const raw = String(given(env, name) ?? spec.fallback);
  const options: readonly string[] = spec.choice;
  if (!options.includes(raw))
    throw misconfigured(`${name} must be ${options.map((o) => `"${o}"`).join(" or ")}, got '${raw}'`);
  return raw as (typeof VARS)[N]["choice"][number];
}

type PickKind<K extends string> = { [N in VarName as K extends keyof (typeof VARS)[N] ? N : never]: (typeof VARS)[N] };

const list = (raw: unknown): string[] =>
  String(raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

function accessFrom(env: Vars): Access {
  const apiKeys = list(env.API_KEYS);
  if (apiKeys.length === 0 && String(env.API_KEYS ?? "").trim() !== "") throw misconfigured("API_KEYS holds no keys");
  const origins = list(env.CORS_ORIGINS);
  const bad = origins.find((o) => o !== "*" && !/^https?:\/\/[^/\s]+$/.test(o));
  if (bad !== undefined) throw misconfigured(`CORS_ORIGINS: '${bad}' is not an origin like https://app.example`);
  const period = integer(env, "RATE_LIMIT_PERIOD");
  if (period !== 10 && period !== 60) throw misconfigured(`RATE_LIMIT_PERIOD must be 10 or 60, got ${period}`);
  return {
    apiKeys,
    corsOrigins: origins.includes("*") ? "*" : origins,
    rateLimitPeriod: period,
    ingestKeys: list(env.INGEST_KEYS),
    streamKeys: list(env.STREAM_KEYS),
    outcomeKeys: list(env.OUTCOME_KEYS),
  };
}

export function settingsFrom(env: Vars): Settings {
  return {
    memo: toggle(env, "MODEL_CACHE"),
    backend: choice(env, "TFJS_BACKEND"),
    fastPath: toggle(env, "RUNTIME_FAST_PATH"),
    maxBodyBytes: integer(env, "MAX_BODY_BYTES"),
    limits: {
      maxBatch: integer(env, "MAX_BATCH"),
      maxElements: integer(env, "MAX_ELEMENTS"),
      maxStringBytes: integer(env, "MAX_STRING_BYTES"),
    },
    kvCacheTtl: integer(env, "KV_CACHE_TTL"),
    kvTimeoutMs: integer(env, "KV_TIMEOUT_MS"),
    diagnostics: toggle(env, "DIAGNOSTICS"),
    repository: toggle(env, "MODEL_REPOSITORY"),
    predictionCache: {
      enabled: toggle(env, "PREDICTION_CACHE"),
      ttl: integer(env, "PREDICTION_CACHE_TTL"),
      scope: choice(env, "PREDICTION_CACHE_SCOPE"),
    },
    outcomeRetentionDays: integer(env, "OUTCOME_RETENTION_DAYS"),
    predictionLog: toggle(env, "PREDICTION_LOG"),
    access: accessFrom(env),
  };
}
