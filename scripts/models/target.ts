/**
 * Which repository the commands change: wrangler dev's local state (the default, as for
 * wrangler 4's own `kv`/`r2` commands), another local state directory, or the real account;
 * plus the wrangler environment and config file, passed through to wrangler.
 */
import { resolve } from "node:path";
import { usageError } from "./cli-error.ts";

export interface Target {
  remote: boolean;
  /** Absolute local state directory (wrangler appends v3/); unset = wrangler dev's default. */
  persistTo?: string;
  env?: string;
  config?: string;
  /** True when no --local/--remote/--persist-to was given and local was chosen for the user. */
  defaulted: boolean;
}

/** The target flags every command takes, in node:util parseArgs form. */
export const TARGET_OPTIONS = {
  local: { type: "boolean" },
  remote: { type: "boolean" },
  "persist-to": { type: "string" },
  env: { type: "string", short: "e" },
  config: { type: "string", short: "c" },
} as const;

export const TARGET_HELP: Array<[string, string]> = [
  ["--local", "wrangler dev's local state, .wrangler/state (what `npm start` serves); the default"],
  ["--persist-to DIR", "local state in DIR (as `wrangler dev --persist-to DIR`); implies --local"],
  ["--remote", "the Cloudflare account (after `wrangler login`, or with CLOUDFLARE_API_TOKEN)"],
  ["-e, --env NAME", "wrangler environment ([env.NAME] in wrangler.toml: its REGISTRY and MODELS)"],
  ["-c, --config PATH", "wrangler config file (default: wrangler.toml)"],
];

export interface TargetFlags {
  local?: boolean;
  remote?: boolean;
  "persist-to"?: string;
  env?: string;
  config?: string;
}

export function parseTarget(flags: TargetFlags): Target {
  if (flags.remote && (flags.local || flags["persist-to"] !== undefined)) {
    throw usageError("--remote cannot be combined with --local or --persist-to");
  }
  const target: Target = {
    remote: flags.remote === true,
    defaulted: !flags.remote && !flags.local && flags["persist-to"] === undefined,
  };
  if (flags["persist-to"] !== undefined) target.persistTo = resolve(flags["persist-to"]);
  if (flags.env !== undefined) target.env = flags.env;
  if (flags.config !== undefined) target.config = flags.config;
  return target;
}

export function describeTarget(target: Target): string {
  const where = target.remote
    ? "the Cloudflare account (--remote)"
    : target.persistTo
      ? `local state in ${target.persistTo}`
      : "local state in .wrangler/state (what `npm start` serves)";
  return target.env ? `${where}, env ${target.env}` : where;
}

/** The wrangler flags that select the target. */
export function wranglerTargetArgs(target: Target): string[] {
  const args = target.remote ? ["--remote"] : ["--local"];
  if (target.persistTo) args.push("--persist-to", target.persistTo);
  if (target.env) args.push("--env", target.env);
  if (target.config) args.push("--config", target.config);
  return args;
}
