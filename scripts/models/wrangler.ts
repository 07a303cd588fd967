/**
 * The model repository through wrangler's own commands (`kv key get/put/list --binding REGISTRY`,
 * `r2 object put <bucket>/<key>`), so local state is laid out exactly as `wrangler dev` reads it
 * and remote writes go through the user's wrangler login. Each call starts wrangler (about 1-2 s),
 * so commands make as few as they can; `calls` counts them.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { type ModelRecord, RECORD_PREFIX, recordKey } from "../../src/core/models/record.ts";
import { CliError } from "./cli-error.ts";
import { serialiseRecord } from "./record.ts";
import type { RepositoryStore } from "./store.ts";
import { describeTarget, type Target, wranglerTargetArgs } from "./target.ts";

export const REGISTRY_BINDING = "REGISTRY";
export const MODELS_BINDING = "MODELS";

const WRANGLER = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");

/** Offline-friendly and quiet: no metrics, no cf fetch, no banner (which also skips the update check), no colours. */
export const WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  FORCE_COLOR: "0",
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      env: { ...process.env, ...WRANGLER_ENV },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

/** wrangler's error text without colours, its log-file line or blank lines. */
function wranglerMessage(result: Run): string {
  const text = stripVTControlCharacters(`${result.stderr}\n${result.stdout}`);
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("🪵") && !/^Logs were written/.test(l));
  return lines.join("\n").replace(/✘ \[ERROR\] /g, "") || `wrangler exited with code ${result.code}`;
}

export interface WranglerStore extends RepositoryStore {
  /** wrangler invocations so far. */
  readonly calls: number;
}

/**
 * `uploads: true` starts reading the MODELS bucket name from the wrangler config (about a second:
 * it loads wrangler's config reader) right away, so it overlaps the caller's other work.
 */
export function wranglerStore(target: Target, options: { uploads?: boolean } = {}): WranglerStore {
  const targetArgs = wranglerTargetArgs(target);
  let calls = 0;
  let bucket: Promise<string> | undefined;
  const startBucketLookup = () => {
    bucket = bucketName();
    bucket.catch(() => {}); // awaited (and reported) by the first upload
    return bucket;
  };

  const wrangler = async (what: string, args: string[], accept?: (r: Run) => boolean): Promise<Run> => {
    calls++;
    const result = await run([...args, ...targetArgs]);
    if (result.code !== 0 && !accept?.(result))
      throw new CliError(`wrangler could not ${what} (${describeTarget(target)}):\n${wranglerMessage(result)}`);
    return result;
  };

  /** The MODELS bucket's name in the chosen config and environment (staging may use another bucket). */
  const bucketName = async (): Promise<string> => {
    const { unstable_readConfig } = await import("wrangler");
    const config = unstable_readConfig({ config: target.config, env: target.env }, { hideWarnings: true });
    const buckets: Array<{ binding: string; bucket_name?: string }> = config.r2_buckets;
    const found = buckets.find((b) => b.binding === MODELS_BINDING)?.bucket_name;
    if (!found) {
      throw new CliError(
        `${config.configPath ?? "wrangler config"}${target.env ? ` [env.${target.env}]` : ""} has no R2 bucket bound as ${MODELS_BINDING}`,
      );
    }
    return found;
  };

  if (options.uploads) startBucketLookup();
  return {
    where: describeTarget(target),
    get calls() {
      return calls;
    },

    async getRecord(name) {
      // Local: a missing key prints "Value not found" and exits 0. Remote: wrangler fails with the API's 404.
      const notFound = (r: Run) => /- 404: /.test(r.stderr + r.stdout);
      const result = await wrangler(
        `read ${recordKey(name)}`,
        ["kv", "key", "get", recordKey(name), "--binding", REGISTRY_BINDING],
        notFound,
      );
      if (result.code !== 0 || result.stdout.trim() === "Value not found") return null;
      return result.stdout;
    },

    async getText(key) {
      const notFound = (r: Run) => /- 404: /.test(r.stderr + r.stdout);
      const result = await wrangler(`read ${key}`, ["kv", "key", "get", key, "--binding", REGISTRY_BINDING], notFound);
      if (result.code !== 0 || result.stdout.trim() === "Value not found") return null;
      return result.stdout;
    },

    async putRecord(name, record: ModelRecord) {
      const dir = await mkdtemp(join(tmpdir(), "models-record-"));
      try {
        const path = join(dir, "record.json");
        await writeFile(path, serialiseRecord(record));
        await wrangler(`write ${recordKey(name)}`, [
          "kv",
          "key",
          "put",
          recordKey(name),
          "--path",
          path,
          "--binding",
          REGISTRY_BINDING,
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async listModels() {
      const result = await wrangler("list the model records", [
        "kv",
        "key",
        "list",
        "--prefix",
        RECORD_PREFIX,
        "--binding",
        REGISTRY_BINDING,
      ]);
      const json = result.stdout.slice(result.stdout.indexOf("["));
      let keys: Array<{ name: string }>;
      try {
        keys = JSON.parse(json) as Array<{ name: string }>;
      } catch {
        throw new CliError(
          `wrangler kv key list answered something that is not a JSON list:\n${result.stdout.slice(0, 500)}`,
        );
      }
      return keys.map((k) => k.name.slice(RECORD_PREFIX.length)).sort();
    },

    async putObject(key, file, contentType) {
      const path = `${await (bucket ?? startBucketLookup())}/${key}`;
      await wrangler(`upload ${path}`, ["r2", "object", "put", path, "--file", file, "--content-type", contentType]);
    },
  };
}
