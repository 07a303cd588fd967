/**
 * Two built Workers under one Miniflare with their production configs: the example consumer
 * (examples/consumer, `flight-status`) bound to stateless-serve's Predictor entrypoint.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { serverOptions } from "./worker.ts";

export const CONSUMER_CONFIG = "examples/consumer/wrangler.toml";
/** E2E_BUNDLE_DIR lets concurrent runs (several checkouts or agents) build into their own directories. */
export const CONSUMER_DIR = `${process.env.E2E_BUNDLE_DIR ?? "dist/e2e"}-consumer`;

/** Builds the consumer as `wrangler deploy` would (test/e2e/build.ts calls this). */
export function buildConsumer(outdir = CONSUMER_DIR): void {
  rmSync(outdir, { recursive: true, force: true });
  // Absolute: with -c, wrangler puts the bundle relative to the config's directory.
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", resolve(outdir), "-c", CONSUMER_CONFIG], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  });
}

export interface PairOptions {
  /** Vars of the consumer (e.g. MODEL) and of stateless-serve (e.g. API_KEYS). */
  consumerVars?: Record<string, string>;
  serverVars?: Record<string, string>;
  /** Run the consumer on another compatibility date (error serialization differs by date). */
  consumerCompatibilityDate?: string;
  /** Where the built bundles are (the benchmark builds its own). */
  consumerDir?: string;
  serverDir?: string;
}

/** The consumer is the entry worker: `mf.dispatchFetch` reaches it; `server(mf)` reaches stateless-serve. */
export async function startPair(options: PairOptions = {}): Promise<Miniflare> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(CONSUMER_CONFIG);
  const dir = options.consumerDir ?? CONSUMER_DIR;
  const consumer = {
    ...workerOptions,
    name: "flight-status",
    modules: true,
    scriptPath: `${dir}/index.js`,
    modulesRoot: dir,
    bindings: { ...(workerOptions.bindings ?? {}), ...(options.consumerVars ?? {}) },
    ...(options.consumerCompatibilityDate ? { compatibilityDate: options.consumerCompatibilityDate } : {}),
  };
  const server = serverOptions(options.serverVars, options.serverDir);
  const mf = new Miniflare({ workers: [consumer, server] } as ConstructorParameters<typeof Miniflare>[0]);
  await mf.ready;
  return mf;
}

/** A fetch function (for test/support/client.ts) straight to stateless-serve, as a public caller. */
export function serverFetcher(mf: Miniflare) {
  return async (url: string, init?: RequestInit) =>
    (await mf.getWorker("stateless-serve")).fetch(url, init as never) as unknown as Promise<Response>;
}
