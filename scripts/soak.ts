/**
 * npm run soak: the built Worker under sustained load on loopback, then a fault drill.
 *
 *   npm run soak -- [--concurrency 32] [--seconds 60] [--drill-requests 6000]
 *                   [--no-build] [--no-soak] [--no-drill] [--control] [--only <regex>] [--var NAME=VALUE]
 *
 * Soak (scripts/soak/run.ts): one local instance (Miniflare over the `wrangler deploy --dry-run`
 * bundle, production config, DIAGNOSTICS=on, API_KEYS set) under a closed-loop client with a mix
 * of valid and invalid requests (scripts/soak/mix.ts); every answer is checked.
 * Fault drill (scripts/soak/drill.ts): two instances on one persisted state, one killed under load.
 * --control also runs the same load against a trivial Worker, for workerd's own memory.
 * Exits 1 on any unexpected status, changed or lost answer, or memory growth.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { exitOnHelp } from "./help.ts";
import { drill } from "./soak/drill.ts";
import { mix } from "./soak/mix.ts";
import { launch, stop, stopAllOnExit } from "./soak/processes.ts";
import { runSoak, type SoakReport } from "./soak/run.ts";

exitOnHelp({
  script: "soak",
  args: "[-- options]",
  summary: `Builds the Worker (wrangler deploy --dry-run into dist/soak/bundle), runs it locally under
Miniflare with the production config (DIAGNOSTICS=on, API_KEYS set) and a closed-loop client
sending a mix of valid and invalid requests, checking every answer and the Worker's memory
(tf.memory(), isolate heap after GC; a progress line every 10 s). Then a fault drill: two
instances on one state, one killed under load, its requests retried on the other.
Exits 1 on an unexpected status, a changed or lost answer, or memory growth. Report: dist/soak/report.json.`,
  options: [
    ["--seconds N", "length of the soak (default 60)"],
    ["--concurrency N", "requests in flight (default 32)"],
    ["--drill-requests N", "distinct requests in the fault drill (default 6000)"],
    ["--no-build", "reuse dist/soak/bundle"],
    ["--no-soak", "skip the soak"],
    ["--no-drill", "skip the fault drill"],
    ["--control", "also load a trivial Worker, for workerd's own memory"],
    ["--only REGEX", "only the kinds of request whose label matches"],
    ["--var NAME=VALUE", "a var for the instances (repeatable), e.g. TFJS_BACKEND=cpu"],
  ],
  examples: [
    "npm run soak",
    "npm run soak -- --seconds 10 --no-drill",
    "npm run soak -- --control --var TFJS_BACKEND=cpu",
  ],
});

const { values: args } = parseArgs({
  options: {
    concurrency: { type: "string", default: "32" },
    seconds: { type: "string", default: "60" },
    "drill-requests": { type: "string", default: "6000" },
    "no-build": { type: "boolean", default: false },
    "no-soak": { type: "boolean", default: false },
    "no-drill": { type: "boolean", default: false },
    control: { type: "boolean", default: false },
    /** Only the kinds of request whose label matches this regex (for finding what grows). */
    only: { type: "string" },
    /** Extra vars for the instances, NAME=VALUE (e.g. TFJS_BACKEND=cpu). */
    var: { type: "string", multiple: true, default: [] },
  },
});
const bounded = (name: string, raw: string, min: number, max: number) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name}: expected an integer in [${min}, ${max}], got '${raw}'`);
  return n;
};
const CONCURRENCY = bounded("concurrency", args.concurrency, 1, 256);
const SECONDS = bounded("seconds", args.seconds, 1, 900);
const DRILL_REQUESTS = bounded("drill-requests", args["drill-requests"], 100, 100_000);
const OUT = "dist/soak";
const BUNDLE = `${OUT}/bundle`;
const KEY = `soak-${randomUUID()}`;
const VARS: Record<string, string> = { API_KEYS: KEY, DIAGNOSTICS: "on" };
for (const pair of args.var) {
  const [name = "", ...value] = pair.split("=");
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`--var: expected NAME=VALUE, got '${pair}'`);
  VARS[name] = value.join("=");
}
const REQUESTS = mix(KEY).filter((r) => args.only === undefined || new RegExp(args.only).test(r.label));
if (REQUESTS.length === 0) throw new Error(`--only ${args.only}: no request of the mix matches`);

const f1 = (n: number | undefined) => (n === undefined ? "n/a" : n.toFixed(1));
const out = (lines: string[]) => process.stdout.write(`${lines.join("\n")}\n`);

async function soakOn(bundle: string, control: boolean): Promise<SoakReport> {
  const state = `${OUT}/state-${control ? "control" : "soak"}`;
  rmSync(state, { recursive: true, force: true });
  const instance = await launch(
    control ? "control" : "soak",
    bundle,
    state,
    VARS,
    `${OUT}/${control ? "control" : "soak"}.log`,
  );
  try {
    return await runSoak({
      instance,
      requests: REQUESTS,
      key: KEY,
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      control,
    });
  } finally {
    await stop(instance);
  }
}

function printSoak(s: SoakReport): void {
  const every = Math.max(1, Math.round(s.samples.length / 6));
  const series = s.samples.filter((_, i) => i % every === every - 1);
  if (s.control) {
    out([
      `control (trivial Worker, same load): ${s.requests} requests (${s.perSecond}/s); latency ms ${Object.entries(
        s.latencyMs,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
      `  isolate heap after GC MiB: before ${f1(s.before.heapAfterGcMiB)}, after ${f1(s.after.heapAfterGcMiB)}; workerd RSS MiB: before ${f1(s.before.rssMiB)}, after ${f1(s.after.rssMiB)}, max ${f1(s.maxRssMiB)}`,
      `  over time: ${series.map((x) => `t=${x.t.toFixed(0)}s rss=${f1(x.rssMiB)}`).join("; ")}`,
    ]);
    return;
  }
  out([
    `soak ${s.failed ? "FAILED" : "passed"}: ${s.requests} requests in ${s.seconds} s (${s.perSecond}/s) at concurrency ${s.concurrency}, backend ${s.backend}`,
    `  errors: ${s.errors} (unexpected statuses ${JSON.stringify(s.unexpected)}, changed bodies ${JSON.stringify(s.different)}, no answer ${JSON.stringify(s.failures)})`,
    `  latency ms (client side, loopback): ${Object.entries(s.latencyMs)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `  tf.memory(): before ${s.before.numTensors} tensors / ${s.before.numBytes} B, after ${s.after.numTensors} / ${s.after.numBytes} B, max while loaded ${s.maxTensorsWhileLoaded} tensors: ${s.tensorsFlat ? "flat" : "GREW"}`,
    `  isolate heap after GC MiB: before ${f1(s.before.heapAfterGcMiB)}, after ${f1(s.after.heapAfterGcMiB)} (max ${f1(s.maxHeapWhileLoadedMiB)} with garbage, under load): ${s.heapFlat ? "flat" : "GREW"}`,
    `  workerd RSS MiB (reported, not judged): before ${f1(s.before.rssMiB)}, after ${f1(s.after.rssMiB)}, max ${f1(s.maxRssMiB)}`,
    `  over time: ${series.map((x) => `t=${x.t.toFixed(0)}s tensors=${x.numTensors} heap=${f1(x.heapMiB)} rss=${f1(x.rssMiB)}`).join("; ")}`,
  ]);
}

stopAllOnExit();
mkdirSync(OUT, { recursive: true });
if (!args["no-build"]) {
  rmSync(BUNDLE, { recursive: true, force: true });
  out([`building the Worker into ${BUNDLE} …`]);
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--env=", "--outdir", BUNDLE], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  });
}

const report: Record<string, unknown> = {
  at: new Date().toISOString(),
  node: process.version,
  concurrency: CONCURRENCY,
  seconds: SECONDS,
};
let failed = false;
if (!args["no-soak"]) {
  out([`soak: ${SECONDS} s at concurrency ${CONCURRENCY}, ${REQUESTS.length} kinds of request …`]);
  const s = await soakOn(BUNDLE, false);
  report.soak = s;
  failed ||= s.failed;
  printSoak(s);
}
if (args.control) {
  const c = await soakOn("control", true);
  report.control = c;
  printSoak(c);
}
if (!args["no-drill"]) {
  out([
    `fault drill: ${DRILL_REQUESTS} distinct requests at concurrency ${CONCURRENCY}, instance A killed after a third …`,
  ]);
  const state = `${OUT}/state-drill`;
  rmSync(state, { recursive: true, force: true });
  const [a, b] = await Promise.all([
    launch("drill-a", BUNDLE, state, VARS, `${OUT}/drill-a.log`),
    launch("drill-b", BUNDLE, state, VARS, `${OUT}/drill-b.log`),
  ]);
  try {
    const d = await drill({
      a,
      b,
      key: KEY,
      requests: DRILL_REQUESTS,
      concurrency: CONCURRENCY,
      killAfter: Math.floor(DRILL_REQUESTS / 3),
    });
    const drillFailed = d.lost > 0 || d.different > 0 || d.unexpectedStatus > 0 || d.answeredByB === 0;
    report.drill = { ...d, failed: drillFailed };
    failed ||= drillFailed;
    out([
      `drill ${drillFailed ? "FAILED" : "passed"}: ${d.requests} requests, A answered ${d.answeredByA}, B answered ${d.answeredByB} (A killed after ${d.killedAfter} answers; failures on A, each retried on B: ${JSON.stringify(d.failuresOnA)})`,
      `  lost ${d.lost}, answered differently from A before the drill ${d.different}, unexpected status ${d.unexpectedStatus}`,
      ...d.examples.map((e) => `  ${e}`),
    ]);
  } finally {
    await Promise.all([stop(a), stop(b)]);
  }
}
writeFileSync(`${OUT}/report.json`, JSON.stringify(report, null, 2));
out([`report: ${OUT}/report.json`]);
process.exit(failed ? 1 : 0);
