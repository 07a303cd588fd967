/**
 * `npm start`: regenerate the bundled-model index, seed local KV with the flights context when
 * it changed (first start), then run `wrangler dev`. Extra arguments go to wrangler dev
 * (`npm start -- --port 9000`).
 */
import { spawn } from "node:child_process";
import { exitOnHelp } from "./help.ts";

exitOnHelp({
  script: "start",
  args: "[-- <wrangler dev options>]",
  summary: `Serves the Worker locally with wrangler dev (http://localhost:8787 by default), offline, after
regenerating the bundled-model index and loading model/artifacts/flights/context.json into local
KV (about 40 s the first time, with progress; skipped while the file is unchanged).
Extra arguments go to wrangler dev. It runs with --test-scheduled, so the Cron Trigger that
evaluates staged rollouts runs on demand: curl "localhost:8787/__scheduled?cron=*+*+*+*+*"
(docs/rollouts.md).`,
  options: [
    ["--port N", "listen on another port (default 8787, [dev] in wrangler.toml)"],
    ["--var NAME:VALUE", "override a var, e.g. --var MODEL_CACHE:off (any wrangler dev option works)"],
  ],
  examples: ["npm start", "npm start -- --port 9000", "npm run context:local -- --force   (reload the context)"],
});

const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
const { persistToOf, seedLocal } = await import("./local-context.ts"); // after --help: it loads Miniflare
// wrangler dev keeps `--persist-to DIR` state in DIR/v3: seed the state it will serve.
const args = process.argv.slice(2);
const persistTo = persistToOf(args);
const outcome = await seedLocal(persistTo === undefined ? undefined : `${persistTo}/v3`);
if (outcome === "current") console.log("local KV context is current (model/artifacts/flights/context.json unchanged)");
if (outcome === "absent") console.log("no context file: flights context will be missing (defaults apply)");
// --test-scheduled: GET /__scheduled runs the Cron Trigger's handler (staged rollouts, docs/rollouts.md).
const scheduled = args.includes("--test-scheduled") ? [] : ["--test-scheduled"];
const dev = spawn("npx", ["wrangler", "dev", ...scheduled, ...args], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
