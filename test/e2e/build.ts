/**
 * Global setup of the e2e project: builds the Worker exactly as `wrangler deploy` would
 * (`--dry-run --outdir`), so the tests run the real bundle, not the sources.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { buildConsumer } from "./bindings.ts";
import { BUNDLE_DIR } from "./worker.ts";

export default function setup(): void {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--env=", "--outdir", BUNDLE_DIR], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  });
  buildConsumer(); // examples/consumer, for test/e2e/bindings.test.ts
}
