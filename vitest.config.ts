import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { kCurrentWorker } from "miniflare";
import { defineConfig } from "vitest/config";

// A bound on a hung test, not a speed check: on a loaded 2-core machine (load average 12) the
// first test of a worker file pays the Worker's module transform (30 s and more), and the CPU-heavy
// unit tests (envelope-fast's seeded mutations, the models CLI's child processes) as long.
const TEST_TIMEOUT = 60_000;
// Setups that build a bundle, start Miniflare or replay a day of events (test/e2e/ingest.test.ts
// took over 120 s under a load average of 18).
const HOOK_TIMEOUT = 240_000;

const worker = (name: string, modelCache: "on" | "off") => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: { MODEL_CACHE: modelCache, DIAGNOSTICS: "on" },
        // The Worker bound to itself, as another Worker binds it (test/worker/rpc.test.ts).
        serviceBindings: { SELF_RPC: { name: kCurrentWorker, entrypoint: "Predictor" } },
        // Test files share one caller identity; the production limit is asserted in test/e2e.
        ratelimits: { RATE_LIMITER: { simple: { limit: 1_000_000, period: 60 } } },
      },
    }),
  ],
  test: { name, include: ["test/worker/**/*.test.ts"], testTimeout: TEST_TIMEOUT },
});

export default defineConfig({
  test: {
    // A passing test prints nothing; a failing one shows the console output (the request log
    // lines) of its own run, under its name.
    silent: "passed-only",
    projects: [
      // Core logic with fakes, in Node.
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node", testTimeout: TEST_TIMEOUT } },
      // The Worker inside workerd, with and without the isolate memo of loaded models.
      worker("worker", "on"),
      worker("worker-nomemo", "off"),
      // The built bundle (wrangler deploy --dry-run) under plain Miniflare with the production config.
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/build.ts"],
          testTimeout: TEST_TIMEOUT,
          hookTimeout: HOOK_TIMEOUT,
        },
      },
      // The playground and /docs in headless Chromium (Debian's chromium), on the e2e bundle.
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/browser/build.ts"],
          testTimeout: TEST_TIMEOUT,
          hookTimeout: HOOK_TIMEOUT,
        },
      },
    ],
  },
});
