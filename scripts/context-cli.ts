/**
 * `npm run context -- put|get|validate`: context values for any model's declared lookups
 * (docs/byo-model-with-context.md). `put` loads a .jsonl/.json/.csv file into the CONTEXT KV
 * namespace (local state through Miniflare, or the account through `wrangler kv bulk put` in
 * chunks), stamping `updated_at` where a value has none; `get` reads one key; `validate` checks a
 * file against a model directory's manifest `context` section.
 */
import { parseArgs } from "node:util";
import { exitOnHelp, type Help } from "./help.ts";
import { CliError, usageError } from "./models/cli-error.ts";
import { describeTarget, parseTarget, TARGET_HELP, TARGET_OPTIONS } from "./models/target.ts";

const TARGET_FLAGS = TARGET_HELP.filter(([flag]) => !flag.startsWith("-c"));

const HELP: Help = {
  script: "context",
  args: "-- put <file.jsonl|.json|.csv> | get <key> | validate <model dir> <file> [options]",
  summary: `Context values in KV for models that declare a context section in their manifest.
  put       load a file into the CONTEXT namespace: .jsonl lines {"key": …, "value": {…}}, a .json
            array of those, or a .csv with a 'key' column (other columns become the value's
            fields). Values without updated_at get one (--stamp, default now). Progress on stdout.
  get       print the value stored under a key (exit 1 when there is none)
  validate  check every entry of a file against a model directory's manifest context section:
            its key matches a lookup's template, its value has the declared fields and dtypes`,
  options: [
    ...TARGET_FLAGS,
    ["--stamp TIME", "updated_at for values without one (ISO 8601 instant; default: now)"],
    ["--no-stamp", "leave values without updated_at as they are"],
    ["--dry-run", "put: read and check the file, print what would be written, write nothing"],
  ],
  examples: [
    "npm run context -- put dist/seattle_weather/context.jsonl   (written by npm run model:weather)",
    "npm run context -- put day.csv --persist-to /tmp/state --stamp 2015-06-01T00:00:00Z",
    "npm run context -- put context.jsonl --remote --env staging",
    "npm run context -- get seattle:yesterday:2015-06-01",
    "npm run context -- validate dist/seattle_weather/1 dist/seattle_weather/context.jsonl",
  ],
  notes: `Local state is what \`npm start\` and \`wrangler dev\` read (.wrangler/state, or --persist-to DIR);
the Worker reads KV with cacheTtl (KV_CACHE_TTL, 60 s by default), so a changed key may take that
long to show. Remote writes are visible worldwide within about 60 s; each key is one KV write.`,
};

const argv = process.argv.slice(2);
exitOnHelp(HELP, argv);

async function main(): Promise<void> {
  const { values: flags, positionals } = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          local: TARGET_OPTIONS.local,
          remote: TARGET_OPTIONS.remote,
          "persist-to": TARGET_OPTIONS["persist-to"],
          env: TARGET_OPTIONS.env,
          stamp: { type: "string" },
          "no-stamp": { type: "boolean" },
          "dry-run": { type: "boolean" },
        },
        strict: true,
      });
    } catch (err) {
      throw usageError(`${(err as Error).message} (--help lists the options)`);
    }
  })();
  const [command, ...rest] = positionals;
  const target = parseTarget(flags);
  const { readContextFile, stamp } = await import("./context/entries.ts");
  if (command === "put") {
    if (rest.length !== 1) throw usageError("put takes one file: npm run context -- put <file.jsonl|.json|.csv>");
    const file = rest[0]!;
    const entries = readContextFile(file);
    const at = flags.stamp ?? new Date().toISOString();
    if (flags.stamp !== undefined && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(at))
      throw usageError(`--stamp: expected an ISO 8601 instant like 2015-06-01T00:00:00Z, got '${at}'`);
    const stamped = flags["no-stamp"] ? 0 : stamp(entries, at);
    process.stdout.write(
      `putting ${entries.length.toLocaleString("en-US")} keys from ${file} into CONTEXT in ${describeTarget(target)}` +
        `${stamped ? ` (updated_at ${at} stamped on ${stamped})` : ""}\n`,
    );
    const started = performance.now();
    const progress = (done: number, total: number) => {
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stdout.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} keys`);
      if (done === total) process.stdout.write("\n");
    };
    const stores = await import("./context/stores.ts");
    if (target.remote) await stores.putRemote(target, entries, progress, flags["dry-run"] === true);
    else if (flags["dry-run"]) process.stdout.write("--dry-run: nothing written\n");
    else await stores.putLocal(target, entries, progress);
    if (!flags["dry-run"]) process.stdout.write(`done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return;
  }
  if (command === "get") {
    if (rest.length !== 1) throw usageError("get takes one key: npm run context -- get <key>");
    const stores = await import("./context/stores.ts");
    const text = target.remote ? await stores.getRemote(target, rest[0]!) : await stores.getLocal(target, rest[0]!);
    if (text === null) throw new CliError(`no value under '${rest[0]}' in ${describeTarget(target)}`);
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not JSON: shown as stored
    }
    process.stdout.write(`${shown}\n`);
    return;
  }
  if (command === "validate") {
    if (rest.length !== 2) throw usageError("validate takes a model directory and a file");
    const { readContextSpec, validateEntries } = await import("./context/validate.ts");
    const spec = readContextSpec(rest[0]!);
    const { counts, problems } = validateEntries(spec, readContextFile(rest[1]!));
    const summary = Object.entries(counts)
      .map(([name, n]) => `${name}: ${n}`)
      .join(", ");
    if (problems.length > 0) {
      const shown = problems.slice(0, 20).map((p) => `  ${p}`);
      if (problems.length > 20) shown.push(`  … and ${problems.length - 20} more`);
      throw new CliError(
        `${rest[1]}: ${problems.length} entries do not match ${rest[0]}'s context:\n${shown.join("\n")}`,
      );
    }
    process.stdout.write(`${rest[1]}: every entry matches ${rest[0]}'s context (${summary})\n`);
    return;
  }
  throw usageError(`expected a command: put, get or validate, got ${command === undefined ? "none" : `'${command}'`}`);
}

try {
  await main();
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  process.stderr.write(`npm run context: ${err.message}\n`);
  process.exit(err.exitCode);
}
