/**
 * One `--help` format for every npm script (test/unit/help.test.ts checks them all):
 *
 *   usage: npm run <script> [-- <options>]
 *
 *   What it does, in a sentence or two.
 *
 *   options:
 *     --flag VALUE   meaning (default)
 *     -h, --help     this text
 *
 *   examples:
 *     npm run <script> -- --flag 3
 *
 * A script calls `exitOnHelp(help)` before it does any work (and before heavy imports, where it can).
 */

export interface Help {
  /** The npm script, e.g. "build" or "model:train" (`npm start`/`npm test` for those two). */
  script: string;
  /** What follows the script in the usage line, e.g. "[-- --env staging|production]". */
  args?: string;
  /** What it does; a paragraph (lines are kept as written). */
  summary: string;
  /** [flag, meaning] pairs; `-h, --help` is added. */
  options?: Array<[string, string]>;
  examples?: string[];
  /** A closing paragraph: environment variables, files written, related scripts. */
  notes?: string;
}

/** `npm start`, `npm test`; `npm run <script>` for the rest. */
export const npmCommand = (script: string): string =>
  script === "start" || script === "test" ? `npm ${script}` : `npm run ${script}`;

export function formatHelp(help: Help): string {
  const options: Array<[string, string]> = [...(help.options ?? []), ["-h, --help", "this text"]];
  const width = Math.max(...options.map(([flag]) => flag.length)) + 2;
  const lines = [
    `usage: ${npmCommand(help.script)}${help.args ? ` ${help.args}` : ""}`,
    "",
    help.summary.trim(),
    "",
    "options:",
  ];
  for (const [flag, meaning] of options) {
    const [first = "", ...rest] = meaning.split("\n");
    lines.push(`  ${flag.padEnd(width)}${first}`, ...rest.map((line) => `  ${" ".repeat(width)}${line}`));
  }
  if (help.examples?.length) lines.push("", "examples:", ...help.examples.map((e) => `  ${e}`));
  if (help.notes) lines.push("", help.notes.trim());
  return `${lines.join("\n")}\n`;
}

export function helpRequested(argv: readonly string[] = process.argv.slice(2)): boolean {
  // Arguments after a lone "--" belong to a tool the script runs, not to the script.
  const own = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
  return own.includes("--help") || own.includes("-h");
}

/** Prints the help and exits 0 when the command line asks for it (`--help` or `-h`). */
export function exitOnHelp(help: Help, argv: readonly string[] = process.argv.slice(2)): void {
  if (!helpRequested(argv)) return;
  process.stdout.write(formatHelp(help));
  process.exit(0);
}
