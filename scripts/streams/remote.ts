/**
 * `--remote` for `npm run streams -- replay|get`: the declaration (`stream:<name>` in REGISTRY) and
 * an entity's value (CONTEXT) read from the Cloudflare account through wrangler's own
 * `kv key get --remote` (after `wrangler login`, or with CLOUDFLARE_API_TOKEN), `--env` choosing
 * the environment's namespaces. Replay then posts to the deployed Worker given by --url.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { stripVTControlCharacters } from "node:util";
import { type Stream, StreamSchema } from "../../src/core/streams/spec.ts";
import { WRANGLER_ENV } from "../models/wrangler.ts";

/** The wrangler arguments that read `key` from the namespace bound as `binding` in the account. */
export function remoteGetArgs(binding: "REGISTRY" | "CONTEXT", key: string, env: string | undefined): string[] {
  return ["kv", "key", "get", key, "--binding", binding, "--remote", ...(env ? ["--env", env] : [])];
}

/** The value's text; null when the account has none (wrangler reports the API's 404). */
export function remoteGet(binding: "REGISTRY" | "CONTEXT", key: string, env: string | undefined): string | null {
  const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
  const run = spawnSync(process.execPath, [wrangler, ...remoteGetArgs(binding, key, env)], {
    env: { ...process.env, ...WRANGLER_ENV },
    encoding: "utf8",
  });
  const out = stripVTControlCharacters(`${run.stderr ?? ""}\n${run.stdout ?? ""}`);
  if (run.status !== 0) {
    if (/- 404: /.test(out)) return null;
    throw new Error(
      `wrangler could not read ${key} (${binding}, --remote${env ? ` --env ${env}` : ""}):\n${out.trim()}`,
    );
  }
  return run.stdout.trim() === "Value not found" ? null : run.stdout;
}

/** The published declaration in the account, or a refusal naming what to run. */
export function remoteStream(name: string, env: string | undefined): Stream {
  const text = remoteGet("REGISTRY", `stream:${name}`, env);
  if (text === null)
    throw new Error(
      `stream '${name}' is not published in the account${env ? ` (env ${env})` : ""}: npm run streams -- publish <file> --remote${env ? ` --env ${env}` : ""}`,
    );
  return StreamSchema.parse(JSON.parse(text));
}
