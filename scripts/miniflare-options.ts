/**
 * Miniflare options for a built bundle (`wrangler deploy --dry-run --outdir DIR`) with the
 * production config (wrangler.toml): shared by the e2e tests, the soak and the benchmark.
 */
import { unstable_getMiniflareWorkerOptions } from "wrangler";

export interface ProductionOptions {
  /** Vars to override (e.g. MODEL_CACHE, DIAGNOSTICS). */
  vars?: Record<string, string>;
  /** Raise every rate limit to this many requests per period (load generators are one caller). */
  rateLimit?: number;
}

export function productionWorkerOptions(dir: string, options: ProductionOptions = {}) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions("wrangler.toml");
  type RateLimit = { simple: { limit: number; period: number } };
  const ratelimits =
    options.rateLimit === undefined
      ? workerOptions.ratelimits
      : Object.fromEntries(
          Object.entries((workerOptions.ratelimits ?? {}) as Record<string, RateLimit>).map(([binding, rl]) => [
            binding,
            { ...rl, simple: { ...rl.simple, limit: options.rateLimit! } },
          ]),
        );
  return {
    ...workerOptions,
    ratelimits,
    name: "stateless-serve",
    modules: true,
    scriptPath: `${dir}/worker.js`,
    modulesRoot: dir,
    modulesRules: [
      { type: "Data", include: ["**/*.bin", "**/*.json"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    bindings: { ...(workerOptions.bindings ?? {}), ...(options.vars ?? {}) },
  };
}
