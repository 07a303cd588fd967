/**
 * `npm run streams -- replay|get --remote` (scripts/streams.ts): what it asks wrangler for, and the
 * refusals that need no account (the account itself is not reachable from tests).
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { remoteGetArgs } from "../../scripts/streams/remote.ts";

const ROOT = resolve(import.meta.dirname, "../..");

function streams(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/streams.ts", ...args],
      { cwd: ROOT, timeout: 60_000 },
      (error, _stdout, stderr) => done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stderr }),
    );
  });
}

describe("npm run streams -- … --remote", () => {
  it("reads the declaration and the value from the account's namespaces, in the environment asked", () => {
    expect(remoteGetArgs("REGISTRY", "stream:quakes", "production")).toEqual([
      "kv",
      "key",
      "get",
      "stream:quakes",
      "--binding",
      "REGISTRY",
      "--remote",
      "--env",
      "production",
    ]);
    expect(remoteGetArgs("CONTEXT", "s:quakes:net:ak", undefined)).toEqual([
      "kv",
      "key",
      "get",
      "s:quakes:net:ak",
      "--binding",
      "CONTEXT",
      "--remote",
    ]);
  });

  it("refuses a remote replay without the deployed Worker's URL, and --remote with --persist-to", async () => {
    const replay = await streams("replay", "events.jsonl", "--stream", "quakes", "--remote");
    expect(replay.code).toBe(2);
    expect(replay.stderr).toMatch(/replay --remote needs --url https:\/\/<your worker>/);
    const both = await streams("get", "s:quakes:net:ak", "--remote", "--persist-to", "/tmp/x");
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--remote cannot be combined with --persist-to/);
  });
});
