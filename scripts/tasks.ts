/**
 * The npm scripts that are a tool call or a chain of them (`npm test`, `npm run typecheck`,
 * `npm run types`, ...), with their `--help`: `tsx scripts/tasks.ts <script> [args]` runs the
 * steps in order, stops at the first that fails (with its exit code), and gives the extra
 * arguments to the last step (`npm test -- --project unit` runs `vitest run --project unit`).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { exitOnHelp, type Help, npmCommand } from "./help.ts";

const ROOT = new URL("..", import.meta.url).pathname;

interface Task {
  help: Omit<Help, "script">;
  /** Commands, each [program, ...args]; a program in node_modules/.bin is run from there. */
  steps: string[][];
}

export const TASKS: Record<string, Task> = {
  test: {
    help: {
      args: "[-- <vitest options or test files>]",
      summary: `Checks that the bundled-model index is current (npm run models:bundle -- --check),
type-checks (tsc --noEmit), checks formatting and lint (biome check ., as npm run lint), then runs every vitest project (vitest.config.ts): unit (Node),
worker and worker-nomemo (inside workerd), e2e (the built bundle under Miniflare; builds it
first), browser (the playground in headless Chromium). Extra arguments go to \`vitest run\`.`,
      options: [
        ["--project NAME", "only one vitest project: unit, worker, worker-nomemo, e2e or browser"],
        ["<files>", "only test files whose path contains these strings"],
        ["--silent=false", "print the console output of passing tests too (by default only a failing test's)"],
      ],
      examples: [
        "npm test",
        "npm test -- --project unit",
        "npm test -- test/unit/help.test.ts",
        "E2E_BUNDLE_DIR=dist/e2e-mine npm test -- --project e2e",
      ],
      notes: "E2E_BUNDLE_DIR sets where the e2e setup builds the bundle (default dist/e2e), for concurrent runs.",
    },
    steps: [
      ["tsx", "scripts/bundle-models.ts", "--check"],
      ["tsc", "--noEmit"],
      ["biome", "check", "."],
      ["vitest", "run"],
    ],
  },
  format: {
    help: {
      args: "[-- <biome options>]",
      summary: `Formats every file Biome covers and applies its safe fixes and sorted imports, in place
(biome check --write ., configured in biome.jsonc). What it cannot fix is printed; npm run lint
then shows what is left.`,
      options: [
        ["--unsafe", "also apply Biome's unsafe fixes (review the diff)"],
        [
          "--max-diagnostics=none",
          "print every remaining diagnostic, not the first 20 (any biome check option is passed on)",
        ],
      ],
      examples: ["npm run format", "npm run format -- --unsafe"],
      notes: "Files Biome skips (generated, artifacts, fixtures) are listed in biome.jsonc.",
    },
    steps: [["biome", "check", "--write", "."]],
  },
  lint: {
    help: {
      args: "[-- <biome options>]",
      summary: `Checks formatting, lint rules and import order without writing anything (biome check .,
configured in biome.jsonc); exits 1 on any error. npm test runs it after tsc; npm run format
fixes most of what it reports.`,
      options: [
        ["--max-diagnostics=none", "print every diagnostic, not the first 20"],
        [
          "--reporter=summary",
          "one count per rule and a list of unformatted files (any biome check option is passed on)",
        ],
      ],
      examples: ["npm run lint", "npm run lint -- --reporter=summary"],
    },
    steps: [["biome", "check", "."]],
  },
  typecheck: {
    help: {
      args: "[-- <tsc options>]",
      summary: "Type-checks the Worker, tests, scripts, model pipeline and benchmarks (tsc --noEmit, tsconfig.json).",
      options: [["--pretty false", "plain output (any tsc option is passed on)"]],
      examples: ["npm run typecheck", "npm run typecheck -- --extendedDiagnostics"],
    },
    steps: [["tsc", "--noEmit"]],
  },
  "typecheck:consumer": {
    help: {
      args: "[-- <tsc options>]",
      summary: "Type-checks the example consumer Worker (tsc --noEmit -p examples/consumer).",
      examples: ["npm run typecheck:consumer"],
    },
    steps: [["tsc", "--noEmit", "-p", "examples/consumer"]],
  },
  types: {
    help: {
      args: "[-- <wrangler types options>]",
      summary: `Regenerates the Env interface from wrangler.toml into worker-configuration.d.ts
(wrangler types --include-runtime=false --strict-vars=false). Rerun it after changing vars or
bindings and commit the result; Env covers the top level, StagingEnv and ProductionEnv the
[env.*] sections.`,
      options: [["--check", "exit 1 if worker-configuration.d.ts is out of date, without writing"]],
      examples: ["npm run types", "npm run types -- --check"],
    },
    steps: [["wrangler", "types", "--include-runtime=false", "--strict-vars=false"]],
  },
  "dev:consumer": {
    help: {
      args: "[-- <wrangler dev options>]",
      summary: `Runs the example consumer Worker (examples/consumer, http://localhost:8788) and
stateless-serve in one \`wrangler dev\`, bound over a service binding, on shared local state
(.wrangler/state). Seeds the local KV context first, as npm start does.`,
      options: [["--port N", "the consumer's port (default 8788; any wrangler dev option is passed on)"]],
      examples: [
        "npm run dev:consumer",
        "curl -s 'localhost:8788/flights/SFO/LAX?departure=2001-06-15T08:30&distance=337&flight=UA123'",
      ],
      notes: "See docs/service-bindings.md.",
    },
    steps: [
      [
        "npm",
        "start",
        "--",
        "-c",
        "examples/consumer/wrangler.toml",
        "-c",
        "wrangler.toml",
        "--persist-to",
        ".wrangler/state",
      ],
    ],
  },
};

function program(name: string): string {
  const local = join(ROOT, "node_modules/.bin", name);
  return existsSync(local) ? local : name;
}

function run(step: string[]): Promise<number> {
  const [name = "", ...args] = step;
  return new Promise((resolve, reject) => {
    const child = spawn(program(name), args, { stdio: "inherit", cwd: ROOT });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    for (const signal of signals) process.on(signal, forward);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}

const [script = "", ...args] = process.argv.slice(2);
const task = TASKS[script];
if (!task) {
  process.stderr.write(`scripts/tasks.ts: unknown task '${script}'; known: ${Object.keys(TASKS).join(", ")}\n`);
  process.exit(2);
}
exitOnHelp({ script, ...task.help }, args);
for (const [i, step] of task.steps.entries()) {
  const last = i === task.steps.length - 1;
  const code = await run(last ? [...step, ...args] : step);
  if (code !== 0) {
    if (!last) process.stderr.write(`${npmCommand(script)}: \`${step.join(" ")}\` failed (exit ${code})\n`);
    process.exit(code);
  }
}
