/**
 * Global setup of the browser project: a Chromium (test/browser/chromium.ts: found, or installed
 * from Debian's packages when we may), handed to the tests as inject("chromiumPath"), then the
 * built bundle, as the e2e project builds it. When the e2e project has just built it in the same
 * run (its global setup runs first), the bundle is newer than every source and is reused rather
 * than built twice.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { BUNDLE_DIR } from "../e2e/worker.ts";
import { ensureChromium } from "./chromium.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The Chromium executable the browser tests launch. */
    chromiumPath: string;
  }
}

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export default function setup(project: TestProject): void {
  project.provide("chromiumPath", ensureChromium());
  const bundle = join(BUNDLE_DIR, "worker.js");
  if (existsSync(bundle) && statSync(bundle).mtimeMs > Math.max(newest("src"), newest("wrangler.toml"))) {
    console.log(`browser tests: reusing the bundle in ${BUNDLE_DIR} (newer than src/ and wrangler.toml)`);
    return;
  }
  console.log(`browser tests: building the bundle into ${BUNDLE_DIR}`);
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--env=", "--outdir", BUNDLE_DIR], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  });
}
