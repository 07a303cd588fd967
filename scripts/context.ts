/**
 * `npm run context:local` and `npm run context:remote`: load the flights context file
 * (model/artifacts/flights/context.json, `[{key, value}]`) into the CONTEXT KV namespace,
 * locally (the state `wrangler dev` reads) or in a deployed environment (wrangler kv bulk put).
 */
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exitOnHelp, type Help } from "./help.ts";

/** As in scripts/local-context.ts (not imported here: it loads Miniflare, slow for --help). */
const CONTEXT_FILE = "model/artifacts/flights/context.json";

const HELP: Record<"local" | "remote", Help> = {
  local: {
    script: "context:local",
    args: "[-- --persist-to DIR] [--file FILE] [--force]",
    summary: `Loads the flights context (${CONTEXT_FILE}) into the local CONTEXT KV namespace that
\`wrangler dev\` and \`npm start\` read, with progress. Skipped when the same file was loaded last
time (a sha256 marker in the state directory); npm start runs this itself.`,
    options: [
      ["--persist-to DIR", "the local state directory, as wrangler's --persist-to (default .wrangler/state)"],
      ["--file FILE", `the [{key, value}] file to load (default ${CONTEXT_FILE})`],
      ["--force", "load even if the marker says this file is already loaded"],
    ],
    examples: [
      "npm run context:local",
      "npm run context:local -- --force",
      "npm run context:local -- --persist-to /tmp/state",
    ],
  },
  remote: {
    script: "context:remote",
    args: "-- --env staging|production [--file FILE] [--dry-run]",
    summary: `Uploads the flights context (${CONTEXT_FILE}) to the CONTEXT KV namespace of a deployed
environment with \`wrangler kv bulk put --binding CONTEXT --remote --env <env>\` (wrangler prints
its progress). Needs \`wrangler login\` (or CLOUDFLARE_API_TOKEN) and the namespace id in
wrangler.toml; see docs/deploy.md. Every key counts as one KV write: 10,029 keys are more than the
1,000 writes a day of Workers Free.`,
    options: [
      ["--env NAME", "the wrangler.toml environment to write to (required: the top level is the local config)"],
      ["--file FILE", `the [{key, value}] file to upload (default ${CONTEXT_FILE})`],
      ["--dry-run", "check the file and the config, print the wrangler command, upload nothing"],
    ],
    examples: ["npm run context:remote -- --env staging", "npm run context:remote -- --env production --dry-run"],
    notes: "Writes become visible worldwide within about 60 s (KV is eventually consistent).",
  },
};

const [mode, ...argv] = process.argv.slice(2);
if (mode !== "local" && mode !== "remote") {
  process.stderr.write(
    "usage: tsx scripts/context.ts local|remote [options] (npm run context:local / context:remote)\n",
  );
  process.exit(2);
}
exitOnHelp(HELP[mode], argv);

function fail(message: string): never {
  process.stderr.write(`npm run context:${mode}: ${message}\n`);
  process.exit(2);
}

let args: { env?: string; file?: string; "persist-to"?: string; force?: boolean; "dry-run"?: boolean };
try {
  args = parseArgs({
    args: argv,
    options:
      mode === "local"
        ? { "persist-to": { type: "string" }, file: { type: "string" }, force: { type: "boolean" } }
        : { env: { type: "string", short: "e" }, file: { type: "string" }, "dry-run": { type: "boolean" } },
    strict: true,
  }).values;
} catch (error) {
  fail(`${(error as Error).message} (--help lists the options)`);
}
const file = args.file ?? CONTEXT_FILE;
if (!existsSync(file)) fail(`${file} does not exist (npm run model:features writes it)`);

if (mode === "local") {
  const { seedLocal } = await import("./local-context.ts");
  const root = join(args["persist-to"] ?? ".wrangler/state", "v3");
  if (args.force) rmSync(join(root, "context.sha256"), { force: true });
  process.stdout.write(`loading ${file} into local KV (${root}) …\n`);
  const outcome = await seedLocal(root, file);
  if (outcome === "current") process.stdout.write(`already loaded (${file} unchanged; --force to load again)\n`);
} else {
  const env = args.env;
  if (!env) fail("--env is required (staging or production): the top level of wrangler.toml is the local config");
  const entries = JSON.parse(readFileSync(file, "utf8")) as unknown;
  if (!Array.isArray(entries) || !entries.every((e) => typeof e?.key === "string" && typeof e?.value === "string")) {
    fail(`${file}: expected a JSON array of {key, value} strings`);
  }
  if (!readFileSync("wrangler.toml", "utf8").includes(`[env.${env}]`))
    fail(`wrangler.toml has no [env.${env}] section`);
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: "wrangler.toml", env }, { hideWarnings: true });
  const namespaces = config.kv_namespaces as Array<{ binding: string; id?: string }>;
  const namespace = namespaces.find((ns) => ns.binding === "CONTEXT");
  if (!namespace?.id || /REPLACE|^0+$/.test(namespace.id)) {
    const problem = `[env.${env}] CONTEXT id in wrangler.toml is '${namespace?.id ?? "missing"}': create the namespace first (npx wrangler kv namespace create CONTEXT --env ${env}) and put its id there (docs/deploy.md)`;
    if (!args["dry-run"]) fail(problem);
    process.stdout.write(`warning: ${problem}\n`);
  }
  const mb = (statSync(file).size / 1e6).toFixed(1);
  process.stdout.write(
    `uploading ${entries.length.toLocaleString("en-US")} keys (${mb} MB) from ${file} to CONTEXT (${namespace?.id}) of ${config.name} [env ${env}]\n`,
  );
  // The generic loader (npm run context -- put --remote), in chunks, without stamping updated_at.
  const { readContextFile } = await import("./context/entries.ts");
  const { putRemote } = await import("./context/stores.ts");
  const started = performance.now();
  try {
    await putRemote(
      { remote: true, env, defaulted: false },
      readContextFile(file),
      (done, total) => process.stdout.write(`${done}/${total} keys\n`),
      args["dry-run"] === true,
    );
  } catch (error) {
    fail((error as Error).message);
  }
  if (args["dry-run"]) process.stdout.write("--dry-run: nothing uploaded\n");
  else
    process.stdout.write(
      `done in ${((performance.now() - started) / 1000).toFixed(1)} s; visible everywhere within about 60 s\n`,
    );
}
