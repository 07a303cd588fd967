/**
 * Loading the flights context file (model/artifacts/flights/context.json, `[{key, value}]` as
 * `wrangler kv bulk put` takes it) into local KV state, the same state `wrangler dev` reads
 * (.wrangler/state/v3). Skips the work when the file has not changed since the last load.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { readContextFile } from "./context/entries.ts";
import { putLocal } from "./context/stores.ts";

export const CONTEXT_FILE = "model/artifacts/flights/context.json";
export const KV_NAMESPACE_ID = "00000000000000000000000000000000"; // as in wrangler.toml

export interface Entry {
  key: string;
  value: string;
}

export function readEntries(file = CONTEXT_FILE): Entry[] {
  return JSON.parse(readFileSync(file, "utf8")) as Entry[];
}

/** Puts entries into a KV namespace, `concurrency` at a time, reporting progress. */
export async function putAll(
  kv: { put(key: string, value: string): Promise<unknown> },
  entries: readonly Entry[],
  onProgress: (done: number) => void = () => {},
  concurrency = 64,
): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < entries.length) {
      const entry = entries[next++]!;
      await kv.put(entry.key, entry.value);
      if (++done % 500 === 0 || done === entries.length) onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Seeds local state under `persistRoot` unless the marker says this exact file is loaded. */
export async function seedLocal(
  persistRoot = ".wrangler/state/v3",
  file = CONTEXT_FILE,
): Promise<"seeded" | "current" | "absent"> {
  if (!existsSync(file)) return "absent";
  const bytes = readFileSync(file);
  const sha = createHash("sha256").update(bytes).digest("hex");
  const marker = join(persistRoot, "context.sha256");
  if (existsSync(marker) && readFileSync(marker, "utf8").trim() === sha) return "current";
  // The generic loader (npm run context -- put), without stamping: flights values carry their own time.
  const entries = readContextFile(file);
  mkdirSync(persistRoot, { recursive: true });
  const started = Date.now();
  await putLocal({ remote: false, persistTo: dirname(persistRoot), defaulted: false }, entries, (done, total) =>
    process.stdout.write(`\rseeding local KV context: ${done}/${total} keys`),
  );
  process.stdout.write(` in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  writeFileSync(marker, `${sha}\n`);
  return "seeded";
}

/** The `--persist-to DIR` (or `--persist-to=DIR`) among wrangler dev arguments, if any. */
export function persistToOf(args: readonly string[]): string | undefined {
  const at = args.findIndex((a) => a === "--persist-to" || a.startsWith("--persist-to="));
  if (at < 0) return undefined;
  const arg = args[at]!;
  return arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[at + 1];
}
