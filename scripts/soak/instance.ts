/**
 * One local instance of the built Worker for the soak and the fault drill: plain Miniflare over
 * the `wrangler deploy --dry-run` bundle with the production config (wrangler.toml), listening
 * on 127.0.0.1 only. Run as a child process so the drill can kill it (and its workerd) outright.
 *
 *   tsx scripts/soak/instance.ts <bundleDir | control> <persistDir> <varsJson> <logFile>
 *
 * Prints one line `SOAK_READY {"url", "workerd": <pid>, "inspector"}` when it serves (all on
 * 127.0.0.1); SIGTERM stops it.
 */
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { productionWorkerOptions } from "../miniflare-options.ts";

const [bundleDir, persistDir, varsJson = "{}", logFile = "/dev/null"] = process.argv.slice(2);
if (!bundleDir || !persistDir) {
  process.stderr.write("usage: tsx scripts/soak/instance.ts <bundleDir> <persistDir> <varsJson> <logFile>\n");
  process.exit(2);
}

/** The workerd process Miniflare started for us (a direct child of this process). */
function workerdPid(): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [, comm = "", rest = ""] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? [];
      if (comm.startsWith("workerd") && Number(rest.split(" ")[1]) === process.pid) return Number(entry);
    } catch {
      // the process went away while we looked
    }
  }
  return undefined;
}

/** `control` instead of a bundle: a trivial Worker, to tell workerd's own memory from ours. */
const CONTROL = `export default { fetch: () => Response.json({ ok: true }) };`;

const log = createWriteStream(logFile, { flags: "a" });
const worker =
  bundleDir === "control"
    ? { name: "stateless-serve", modules: true, script: CONTROL, compatibilityDate: "2026-04-26" }
    : production(bundleDir);

function production(dir: string) {
  // The soak measures the Worker, not the limiter: one key sends far more than 600 requests a minute.
  return productionWorkerOptions(dir, {
    vars: JSON.parse(varsJson) as Record<string, string>,
    rateLimit: 1_000_000_000,
  });
}

const mf = new Miniflare({
  ...worker,
  host: "127.0.0.1",
  port: 0,
  // The inspector lets the soak read the isolate's V8 heap (scripts/soak/inspector.ts).
  inspectorPort: 0,
  defaultPersistRoot: persistDir,
  handleRuntimeStdio(stdout: Readable, stderr: Readable) {
    stdout.pipe(log);
    stderr.pipe(log);
  },
} as ConstructorParameters<typeof Miniflare>[0]);

const url = await mf.ready;
const inspector = (await mf.getInspectorURL()).href;
process.stdout.write(`SOAK_READY ${JSON.stringify({ url: url.href, workerd: workerdPid(), inspector })}\n`);
process.on("SIGTERM", () => {
  void mf.dispose().finally(() => process.exit(0));
});
