/**
 * Every npm script answers `--help` with a usage line naming it, and exits 0 without doing its
 * work. Each script's command is run as npm runs it with `-- --help` appended, minus the steps
 * before its last `&&` (e.g. `npm run -s models:bundle &&`), so nothing is built or written.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { formatHelp, helpRequested } from "../../scripts/help.ts";
import { brokenReferences, repository } from "../support/doc-references.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
  .scripts;

/** The command npm gives the extra arguments to: the last `&&` step. */
const entry = (command: string) => command.split("&&").at(-1)!.trim();

function run(command: string): Promise<Outcome> {
  return new Promise((done) => {
    const env = { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}${delimiter}${process.env.PATH}` };
    execFile("sh", ["-c", `${command} --help`], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** `tsx <file>.ts ...` or `node ... --import tsx <file>.ts ...`. */
const TS_ENTRY = /^(tsx|node\b.*--import tsx) \S+\.ts\b/;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

type Outcome = { code: number; stdout: string; stderr: string };
const outcomes = new Map<string, Promise<Outcome>>();

// Two or three at a time: each is a Node process loading TypeScript (CPU-bound on a small machine).
beforeAll(async () => {
  const queue = Object.keys(scripts).filter((name) => TS_ENTRY.test(entry(scripts[name]!)));
  const lanes = Array.from({ length: Math.max(2, Math.min(3, availableParallelism())) }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const outcome = run(entry(scripts[name]!));
      outcomes.set(name, outcome);
      await outcome;
    }
  });
  await Promise.all(lanes);
}, 120_000);

describe("npm run <script> -- --help", () => {
  it.each(Object.keys(scripts))("%s prints its usage and an example, and exits 0", async (name) => {
    // A bare tool call (tsc, vitest, wrangler) would print the tool's help, or do the work.
    expect(
      entry(scripts[name]!),
      `${name}: run it through a TypeScript entry with --help (scripts/tasks.ts for tool calls)`,
    ).toMatch(TS_ENTRY);
    const { code, stdout, stderr } = await outcomes.get(name)!;
    expect(code, `${name} --help exited ${code}: ${stderr}`).toBe(0);
    expect(stdout).toMatch(new RegExp(`^usage: npm (run )?${escapeRegExp(name)}(\\s|$)`, "im"));
    expect(stdout, `${name} --help has no example`).toMatch(/example/i);
  });

  // The same check as the docs' (test/unit/docs.test.ts): the paths and scripts a help text names exist.
  it.each(Object.keys(scripts))("%s names only paths and npm scripts that exist", async (name) => {
    const { stdout } = await outcomes.get(name)!;
    expect(brokenReferences(repository(ROOT), `npm run ${name} -- --help`, stdout, false)).toEqual([]);
  });
});

describe("scripts/help.ts", () => {
  it("formats the usage line, the options with --help added, and the examples", () => {
    const text = formatHelp({
      script: "build",
      args: "[-- --env NAME]",
      summary: "Builds.",
      options: [["--env NAME", "which"]],
      examples: ["npm run build"],
    });
    expect(text).toBe(
      "usage: npm run build [-- --env NAME]\n\nBuilds.\n\noptions:\n  --env NAME  which\n  -h, --help  this text\n\nexamples:\n  npm run build\n",
    );
    expect(formatHelp({ script: "test", summary: "Tests." })).toMatch(/^usage: npm test\n/);
  });

  it("sees --help and -h, but not after a lone -- (those belong to the tool a script runs)", () => {
    expect(helpRequested(["--env", "x", "--help"])).toBe(true);
    expect(helpRequested(["-h"])).toBe(true);
    expect(helpRequested(["--", "--help"])).toBe(false);
    expect(helpRequested(["--port", "9000"])).toBe(false);
  });
});
