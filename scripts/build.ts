/**
 * `npm run build`: the Worker exactly as `wrangler deploy` would upload it, without uploading
 * (`wrangler deploy --dry-run --outdir`), then a size report: the gzip total against the 600 KiB
 * budget, the largest files, and what takes the room inside worker.js (esbuild's metafile).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleSize, GZIP_BUDGET_BYTES, kib } from "./bundle-size.ts";
import { exitOnHelp } from "./help.ts";

/** The [env.*] sections of wrangler.toml. */
export function environments(toml = readFileSync("wrangler.toml", "utf8")): string[] {
  return [...toml.matchAll(/^\[env\.([A-Za-z0-9_-]+)\]\s*$/gm)].map((m) => m[1]!);
}

exitOnHelp({
  script: "build",
  args: "[-- --env staging|production] [--outdir DIR] [--top N] [--strict]",
  summary: `Regenerates the bundled-model index (models:bundle), builds the Worker as \`wrangler deploy\`
would upload it (wrangler deploy --dry-run --outdir DIR: nothing is uploaded, no account needed),
prints the bindings it would get, and a size report: the gzip total against the ${kib(GZIP_BUDGET_BYTES)}
budget (each file gzipped alone, as the e2e guard counts; wrangler's own count is a little smaller),
the largest files, and the largest packages inside worker.js.`,
  options: [
    [
      "--env NAME",
      `a wrangler.toml environment (${environments().join(", ") || "none defined"}); default: the top level`,
    ],
    ["--outdir DIR", "where to write the bundle (default dist/worker, or dist/worker-<env>)"],
    ["--top N", "how many files and packages to list (default 8)"],
    ["--strict", "exit 1 when the bundle is over the budget"],
  ],
  examples: ["npm run build", "npm run build -- --env production", "npm run build -- --env staging --top 20"],
  notes: "Deploying: docs/deploy.md (npx wrangler deploy --env production).",
});

const argv = process.argv.slice(2);
function option(name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const value = argv[i]!.includes("=") ? argv[i]!.slice(argv[i]!.indexOf("=") + 1) : argv[i + 1];
  if (value === undefined || value.startsWith("--")) fail(`--${name} needs a value`);
  return value;
}
function fail(message: string): never {
  process.stderr.write(`npm run build: ${message} (npm run build -- --help)\n`);
  process.exit(2);
}
const known = new Set(["--env", "--outdir", "--top", "--strict"]);
for (const [i, arg] of argv.entries()) {
  const name = arg.split("=")[0]!;
  const isValue = i > 0 && known.has(argv[i - 1]!) && argv[i - 1] !== "--strict";
  if (!isValue && !known.has(name)) fail(`unknown argument '${arg}'`);
}

const ENV = option("env") ?? "";
if (ENV !== "" && !environments().includes(ENV))
  fail(`--env ${ENV}: wrangler.toml has no [env.${ENV}] (it has: ${environments().join(", ") || "none"})`);
const OUTDIR = option("outdir") ?? (ENV ? `dist/worker-${ENV}` : "dist/worker");
const TOP = Number(option("top") ?? 8);
if (!Number.isInteger(TOP) || TOP < 1) fail(`--top: expected a positive integer`);
const STRICT = argv.includes("--strict");

const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Runs a command, echoing its output; resolves to the output (stdout + stderr). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
      process.stderr.write(chunk);
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(" ")} exited ${code}`)),
    );
  });
}

/** Inside worker.js: minified bytes per package (node_modules/<pkg>) or source folder. */
function packages(metafile: string, script: string): Array<{ name: string; bytes: number }> {
  const meta = JSON.parse(readFileSync(metafile, "utf8")) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const output = Object.entries(meta.outputs).find(([path]) => path.endsWith(`/${script}`) || path === script)?.[1];
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
    const name =
      pkg ??
      input
        .split("/")
        .slice(0, 2)
        .join("/")
        .replace(/\.[jt]s$/, "");
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

try {
  say(`[1/3] bundled-model index (npm run models:bundle)`);
  await run("npx", ["tsx", "scripts/bundle-models.ts"]);

  const scratch = mkdtempSync(join(tmpdir(), "stateless-serve-build-"));
  const metafile = join(scratch, "meta.json");
  say(
    `[2/3] wrangler deploy --dry-run --env=${ENV || '""'} --outdir ${OUTDIR}${ENV ? ` (environment ${ENV})` : " (top level: the local/test config)"}`,
  );
  rmSync(OUTDIR, { recursive: true, force: true });
  const output = await run(
    "npx",
    ["wrangler", "deploy", "--dry-run", `--env=${ENV}`, "--outdir", OUTDIR, "--metafile", metafile],
    { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  );

  say(`[3/3] size report`);
  const size = bundleSize(OUTDIR);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes (ESC [ … m) from wrangler's output
  const wranglerGzip = /gzip:\s*([\d.]+)\s*KiB/.exec(output.replace(/\x1b\[[0-9;]*m/g, ""))?.[1];
  const share = (size.gzipBytes / GZIP_BUDGET_BYTES) * 100;
  const script = size.files.find((f) => f.file.endsWith(".js")) ?? size.files[0];
  const lines = [
    "",
    `bundle ${OUTDIR}${ENV ? ` (env ${ENV})` : ""}: ${size.files.length} files, ${kib(size.bytes)}`,
    `  gzip ${kib(size.gzipBytes)} of the ${kib(GZIP_BUDGET_BYTES)} budget (${share.toFixed(0)}%)` +
      (size.gzipBytes > GZIP_BUDGET_BYTES
        ? `: OVER by ${kib(size.gzipBytes - GZIP_BUDGET_BYTES)}`
        : `: ${kib(GZIP_BUDGET_BYTES - size.gzipBytes)} to spare`) +
      (wranglerGzip ? `; wrangler counts ${wranglerGzip} KiB` : ""),
    `  Cloudflare's upload limit: 3 MiB gzip on Workers Free, 10 MiB on Workers Paid`,
    "",
    `largest files (of ${size.files.length}):`,
    ...[...size.files]
      .sort((a, b) => b.gzipBytes - a.gzipBytes)
      .slice(0, TOP)
      .map((f) => `  ${kib(f.gzipBytes).padStart(10)} gzip  ${kib(f.bytes).padStart(10)}  ${f.file}`),
  ];
  if (script) {
    const parts = packages(metafile, script.file);
    const total = parts.reduce((sum, p) => sum + p.bytes, 0) || 1;
    lines.push(
      "",
      `inside ${script.file} (minified bytes by package or source folder; gzip ≈ share × ${kib(script.gzipBytes)}):`,
      ...parts
        .slice(0, TOP)
        .map((p) => `  ${kib(p.bytes).padStart(10)}  ${((p.bytes / total) * 100).toFixed(1).padStart(5)}%  ${p.name}`),
    );
  }
  rmSync(scratch, { recursive: true, force: true });
  lines.push("", `built in ${seconds()}${ENV ? `; deploy it with: npx wrangler deploy --env ${ENV}` : ""}`);
  say(lines.join("\n"));
  if (STRICT && size.gzipBytes > GZIP_BUDGET_BYTES) process.exit(1);
} catch (error) {
  process.stderr.write(`npm run build: ${(error as Error).message}\n`);
  process.exit(1);
}
