/**
 * Runs the built bundle under plain Miniflare with the production config (wrangler.toml):
 * the same bindings, vars and compatibility settings, and no nodejs_compat.
 */
import { Miniflare } from "miniflare";
import { productionWorkerOptions } from "../../scripts/miniflare-options.ts";

export const BUNDLE_DIR = process.env.E2E_BUNDLE_DIR ?? "dist/e2e";

export interface WorkerOptions {
  /** Vars to override (e.g. MODEL_CACHE, DIAGNOSTICS). */
  vars?: Record<string, string>;
  /** Directory for KV/R2 state shared between instances. */
  persistTo?: string;
}

/** The served Worker's Miniflare options (also one of several `workers`, as in test/e2e/bindings.ts). */
export function serverOptions(vars: Record<string, string> = {}, dir = BUNDLE_DIR) {
  return productionWorkerOptions(dir, { vars });
}

export async function startWorker(options: WorkerOptions = {}): Promise<Miniflare> {
  const mf = new Miniflare({
    ...serverOptions(options.vars),
    ...(options.persistTo ? { defaultPersistRoot: options.persistTo } : {}),
  } as ConstructorParameters<typeof Miniflare>[0]);
  await mf.ready;
  return mf;
}

/** A fetch function for test/support/client.ts. */
export function fetcher(mf: Miniflare) {
  return (url: string, init?: RequestInit) => mf.dispatchFetch(url, init as never) as unknown as Promise<Response>;
}
