/**
 * `npm run logs -- export`: a training set from the prediction log (scripts/logs/export.ts,
 * docs/monitoring.md "Export"). Reads wrangler dev's local state (what `npm start` wrote) or
 * another local state directory (--persist-to); --dir reads a copy of the bucket's logs/ tree.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { exitOnHelp, type Help } from "./help.ts";

const HELP: Help = {
  script: "logs",
  args: "-- export --model NAME [--version V] --from YYYY-MM-DD --to YYYY-MM-DD [--with-outcomes] OUT.parquet",
  summary: `Exports a model's prediction log as one Parquet file for training: every logged row in the
date range (UTC dates of the answer), once, exactly as it was served (the raw fields, the float32
features the model received, outputs, lookups' status), with model and version; with
--with-outcomes, joined with the latest outcome per key (outcome_value, outcome_time; null when
none arrived). Point-in-time correct by construction: the features are the ones served then.`,
  options: [
    ["--model NAME", "the model (required)"],
    ["--version V", "only this version (default: all)"],
    ["--from DATE", "first UTC date, YYYY-MM-DD (required)"],
    ["--to DATE", "last UTC date, YYYY-MM-DD, inclusive (required)"],
    ["--with-outcomes", "join the latest outcome per key"],
    ["--persist-to DIR", "local state in DIR (as `wrangler dev --persist-to DIR`); default .wrangler/state"],
    ["--dir DIR", "a local copy of the LOGS bucket (DIR/logs/...), e.g. synced from R2's S3 API"],
    ["--remote", "not supported: R2 has no listing through wrangler; sync the bucket and use --dir"],
  ],
  examples: [
    "npm run logs -- export --model flights --from 2026-12-01 --to 2026-12-07 --with-outcomes flights.parquet",
    "npm run logs -- export --model flights --version 1 --from 2026-12-07 --to 2026-12-07 --dir ./r2-copy out.parquet",
  ],
  notes: "Read the result with DuckDB: SELECT * FROM 'out.parquet' (features is FLOAT[]).",
};

exitOnHelp(HELP);

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function fail(message: string, code = 2): never {
  process.stderr.write(`logs: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: "string" },
      version: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      "with-outcomes": { type: "boolean" },
      "persist-to": { type: "string" },
      dir: { type: "string" },
      remote: { type: "boolean" },
    },
  });
  const [command, out, ...rest] = positionals;
  if (command !== "export") fail(`expected the command 'export', got ${JSON.stringify(command ?? "")}`);
  if (!out || rest.length > 0) fail("expected one output file, e.g. out.parquet");
  if (!values.model) fail("--model is required");
  for (const flag of ["from", "to"] as const) {
    if (!values[flag] || !DATE.test(values[flag]!))
      fail(`--${flag}: expected a date YYYY-MM-DD, got ${JSON.stringify(values[flag] ?? "")}`);
  }
  if (values.remote)
    fail(
      "--remote: wrangler cannot list R2 objects; copy the bucket's logs/ (e.g. rclone or aws s3 sync against R2's S3 endpoint) and pass --dir",
    );
  const version = values.version === undefined ? undefined : Number(values.version);
  if (version !== undefined && !(Number.isInteger(version) && version >= 0))
    fail(`--version: expected a version number, got '${values.version}'`);

  const { exportLog } = await import("./logs/export.ts");
  const options = {
    model: values.model!,
    ...(version !== undefined ? { version } : {}),
    from: values.from!,
    to: values.to!,
    withOutcomes: values["with-outcomes"] === true,
  };
  const result = values.dir
    ? await exportLog(dirStore(resolve(values.dir)), options)
    : await withLocalLogs(values["persist-to"] ?? ".wrangler/state", (store) => exportLog(store, options));
  writeFileSync(out!, result.bytes);
  process.stdout.write(
    `${out}: ${result.rows} row(s) from ${result.files} file(s)${options.withOutcomes ? `, ${result.joined} with an outcome` : ""}\n`,
  );
}

type Store = import("./logs/export.ts").LogStore;

/** A directory laid out as the bucket (DIR/logs/predictions/model=…/…). */
function dirStore(dir: string): Store {
  const walk = (path: string): string[] =>
    statSync(path, { throwIfNoEntry: false })?.isDirectory()
      ? readdirSync(path).flatMap((name) => walk(join(path, name)))
      : statSync(path, { throwIfNoEntry: false })
        ? [path]
        : [];
  return {
    list: async (prefix) => walk(join(dir, prefix)).map((p) => relative(dir, p).split("\\").join("/")),
    get: async (key) => {
      const bytes = readFileSync(join(dir, key));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

/** The LOGS bucket of local state (`wrangler dev`/`npm start`, or --persist-to DIR), through Miniflare. */
export async function withLocalLogs<T>(persistTo: string, use: (store: Store) => Promise<T>): Promise<T> {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('') } }",
    r2Buckets: { LOGS: "stateless-serve-logs" },
    defaultPersistRoot: join(persistTo, "v3"),
  });
  try {
    const bucket = await mf.getR2Bucket("LOGS");
    return await use({
      async list(prefix) {
        const keys: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
          keys.push(...page.objects.map((o) => o.key));
          cursor = page.truncated ? page.cursor : undefined;
        } while (cursor);
        return keys;
      },
      async get(key) {
        const object = await bucket.get(key);
        if (!object) throw new Error(`logs: ${key} vanished while exporting`);
        return object.arrayBuffer();
      },
    });
  } finally {
    await mf.dispose();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((err) => fail(err instanceof Error ? err.message : String(err), 1));
}
