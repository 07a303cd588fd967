/**
 * Where `npm run context` writes and reads: local KV state through Miniflare's own KV API (the
 * state `wrangler dev` and `npm start` read; much faster than wrangler per key), or the account
 * through `wrangler kv bulk put` in chunks and `wrangler kv key get` (the user's wrangler login).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError } from "../models/cli-error.ts";
import type { Target } from "../models/target.ts";
import { type Entry, forWrangler } from "./entries.ts";

export const CONTEXT_BINDING = "CONTEXT";
/** The CONTEXT namespace id at the top level of wrangler.toml (local state is keyed by it). */
export const LOCAL_NAMESPACE_ID = "00000000000000000000000000000000";
/** Entries per `wrangler kv bulk put` call (its limit is 10,000). */
export const REMOTE_CHUNK = 5_000;

const WRANGLER = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
const WRANGLER_ENV = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", FORCE_COLOR: "0" };

type Progress = (done: number, total: number) => void;

/** Opens local KV state under `<persistTo or .wrangler/state>/v3` as the Worker binds it. */
export async function withLocalKv<T>(target: Target, use: (kv: KVNamespace) => Promise<T>): Promise<T> {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('') } }",
    kvNamespaces: { [CONTEXT_BINDING]: LOCAL_NAMESPACE_ID },
    defaultPersistRoot: join(target.persistTo ?? ".wrangler/state", "v3"),
  });
  try {
    return await use((await mf.getKVNamespace(CONTEXT_BINDING)) as unknown as KVNamespace);
  } finally {
    await mf.dispose();
  }
}

export async function putLocal(target: Target, entries: readonly Entry[], progress: Progress): Promise<void> {
  await withLocalKv(target, async (kv) => {
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < entries.length) {
        const e = entries[next++]!;
        await kv.put(e.key, JSON.stringify(e.value));
        done += 1;
        if (done % 250 === 0 || done === entries.length) progress(done, entries.length);
      }
    };
    await Promise.all(Array.from({ length: 64 }, lane));
  });
}

export async function getLocal(target: Target, key: string): Promise<string | null> {
  return withLocalKv(target, (kv) => kv.get(key, "text"));
}

function targetArgs(target: Target): string[] {
  const args = ["--binding", CONTEXT_BINDING, target.remote ? "--remote" : "--local"];
  if (target.env) args.push("--env", target.env);
  if (target.config) args.push("--config", target.config);
  return args;
}

function wrangler(args: string[], quiet: boolean): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      env: { ...process.env, ...WRANGLER_ENV },
      stdio: ["ignore", "pipe", quiet ? "pipe" : "inherit"],
    });
    const out: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => out.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, out: Buffer.concat(out).toString("utf8") }));
  });
}

/** The wrangler commands a remote put runs, one per chunk (files written under `dir`). */
export function remotePutCommands(target: Target, entries: readonly Entry[], dir: string): string[][] {
  const commands: string[][] = [];
  for (let i = 0; i < entries.length; i += REMOTE_CHUNK) {
    const file = join(dir, `chunk-${commands.length + 1}.json`);
    writeFileSync(file, JSON.stringify(forWrangler(entries.slice(i, i + REMOTE_CHUNK))));
    commands.push(["kv", "bulk", "put", file, ...targetArgs(target)]);
  }
  return commands;
}

export async function putRemote(
  target: Target,
  entries: readonly Entry[],
  progress: Progress,
  dryRun: boolean,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "context-put-"));
  try {
    const commands = remotePutCommands(target, entries, dir);
    let done = 0;
    for (const command of commands) {
      process.stdout.write(`  npx wrangler ${command.join(" ")}\n`);
      if (dryRun) continue;
      const { code, out } = await wrangler(command, true);
      if (code !== 0) throw new CliError(`wrangler kv bulk put failed after ${done} keys:\n${out.trim()}`);
      done = Math.min(entries.length, done + REMOTE_CHUNK);
      progress(done, entries.length);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function getRemote(target: Target, key: string): Promise<string | null> {
  const { code, out } = await wrangler(["kv", "key", "get", key, ...targetArgs(target), "--text"], true);
  if (code !== 0) {
    if (/not found|404/i.test(out)) return null;
    throw new CliError(`wrangler kv key get failed:\n${out.trim()}`);
  }
  return out.replace(/\n$/, "");
}
