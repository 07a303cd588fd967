/**
 * `npm start`: regenerate the bundled-model index, seed local KV with the flights context when
 * it changed (first start), then run `wrangler dev`. Extra arguments go to wrangler dev
 * (`npm start -- --port 9000`).
 */
import { spawn } from "node:child_process";
import { seedLocal } from "./local-context.ts";

if (process.argv.includes("--help")) {
  console.log(`usage: npm start [-- <wrangler dev options>]

Serves the Worker locally with wrangler dev (http://localhost:8787 by default) after
seeding local KV with model/artifacts/flights/context.json (skipped when unchanged).
Examples: npm start -- --port 9000`);
  process.exit(0);
}

const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
const outcome = await seedLocal();
if (outcome === "current") console.log("local KV context is current (model/artifacts/flights/context.json unchanged)");
if (outcome === "absent") console.log("no context file: flights context will be missing (defaults apply)");
const dev = spawn("npx", ["wrangler", "dev", ...process.argv.slice(2)], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
