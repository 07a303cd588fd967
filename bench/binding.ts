/**
 * `npm run bench:binding`: what a service binding costs, on loopback under Miniflare (workerd).
 *
 * Builds both Workers as `wrangler deploy` would, then times the same prediction four ways:
 *   rpc     Node → consumer → env.ML.predict()             (RPC over the binding)
 *   fetch   Node → consumer → env.ML.fetch(":predict")     (the binding's fetch form)
 *   url     Node → consumer → fetch(SERVE_URL + ":predict") (no binding: HTTP over loopback)
 *   direct  Node → stateless-serve ":predict"               (a public HTTP caller, no consumer)
 * Each: a warm-up, then N calls one at a time, then N calls at concurrency C. The N calls go in
 * R rounds, the four series interleaved in rotating order, so a machine whose load drifts (a shared
 * one) weighs on every series alike. Bounded (4 × 2 × N calls), loopback only. Every answer is
 * checked (status 200 and the expected predictions).
 *
 *   npm run bench:binding [-- --calls 500 --concurrency 8 --warmup 50 --rounds 10]
 */

import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { Miniflare } from "miniflare";
import { exitOnHelp } from "../scripts/help.ts";
import { buildConsumer, startPair } from "../test/e2e/bindings.ts";
import { serverOptions } from "../test/e2e/worker.ts";
import { type Summary, summarize } from "./stats.ts";

const argv = process.argv.slice(2);
exitOnHelp(
  {
    script: "bench:binding",
    args: "[-- options]",
    summary: `What a service binding costs, on loopback under Miniflare: builds stateless-serve and the example
consumer as wrangler deploy would, then times one prediction four ways, interleaved in rounds:
rpc (consumer -> env.ML.predict), fetch (consumer -> env.ML.fetch), url (consumer -> HTTP over
loopback, no binding) and direct (a plain HTTP caller). Every answer is checked. Prints a table.`,
    options: [
      ["--calls N", "calls per series and concurrency (default 500)"],
      ["--concurrency N", "the concurrent pass's concurrency (default 8; a sequential pass always runs)"],
      ["--warmup N", "warm-up calls per series (default 50)"],
      ["--rounds N", "rounds the calls are split into (default 10)"],
    ],
    examples: ["npm run bench:binding", "npm run bench:binding -- --calls 100 --rounds 4"],
    notes: "Method and numbers: docs/service-bindings.md.",
  },
  argv,
);
const num = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const CALLS = num("calls", 500);
const CONCURRENCY = num("concurrency", 8);
const WARMUP = num("warmup", 50);
const ROUNDS = num("rounds", 10);

const DIR = "dist/bench-binding";
const SERVER_DIR = `${DIR}/serve`;
const CONSUMER_DIR = `${DIR}/consumer`;
const BODY = JSON.stringify({ instances: [{ x: [1, 2, 3, 4], key: "UA123" }] });

function build(): void {
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--env=", "--outdir", resolve(SERVER_DIR)], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  });
  buildConsumer(CONSUMER_DIR);
}

/** One POST; resolves to its latency in ms, after checking the answer. */
async function call(url: string, expected: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: BODY });
  const text = await res.text();
  const elapsed = performance.now() - started;
  const predictions = res.ok ? JSON.stringify((JSON.parse(text) as { predictions?: unknown }).predictions) : undefined;
  if (predictions !== expected) throw new Error(`${url}: ${res.status} ${text.slice(0, 200)}`);
  return elapsed;
}

async function run(url: string, expected: string, calls: number, concurrency: number): Promise<number[]> {
  const samples: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next++ < calls) samples.push(await call(url, expected));
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return samples;
}

interface Row extends Summary {
  series: string;
  concurrency: number;
  throughput: number;
}

/** Progress on stderr; the table goes to stdout. */
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  log(`building stateless-serve and the consumer into ${DIR} ...`);
  build();
  log("starting both Workers under Miniflare ...");
  // The public instance: production config, with the rate limit lifted for the benchmark's one client.
  const publicServer = new Miniflare({
    ...serverOptions({}, SERVER_DIR),
    ratelimits: { RATE_LIMITER: { simple: { limit: 1_000_000_000, period: 60 } } },
  } as ConstructorParameters<typeof Miniflare>[0]);
  const publicUrl = (await publicServer.ready).toString().replace(/\/$/, "");
  const pair = await startPair({
    consumerVars: { MODEL: "tiny_graph", SERVE_URL: publicUrl },
    consumerDir: CONSUMER_DIR,
    serverDir: SERVER_DIR,
  });
  const consumerUrl = (await pair.ready).toString().replace(/\/$/, "");
  const series: Array<[string, string]> = [
    ["rpc: consumer → env.ML.predict()", `${consumerUrl}/predict`],
    ["fetch: consumer → env.ML.fetch()", `${consumerUrl}/predict/http`],
    ["url: consumer → fetch(SERVE_URL)", `${consumerUrl}/predict/url`],
    ["direct: client → stateless-serve", `${publicUrl}/v1/models/tiny_graph:predict`],
  ];
  const rows: Row[] = [];
  try {
    const first = await fetch(series[3]![1], {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: BODY,
    });
    const expected = JSON.stringify(((await first.json()) as { predictions: unknown }).predictions);
    log(`warm-up: ${WARMUP} calls per series ...`);
    for (const [, url] of series) await run(url, expected, WARMUP, 1);
    for (const concurrency of [1, CONCURRENCY]) {
      log(`concurrency ${concurrency}: ${ROUNDS} rounds of ${Math.ceil(CALLS / ROUNDS)} calls per series ...`);
      const samples = series.map(() => [] as number[]);
      const seconds = series.map(() => 0);
      for (let round = 0; round < ROUNDS; round++) {
        for (let k = 0; k < series.length; k++) {
          const i = (round + k) % series.length;
          const started = performance.now();
          samples[i]!.push(...(await run(series[i]![1], expected, Math.ceil(CALLS / ROUNDS), concurrency)));
          seconds[i]! += (performance.now() - started) / 1000;
        }
      }
      series.forEach(([name], i) =>
        rows.push({
          series: name,
          concurrency,
          ...summarize(samples[i]!),
          throughput: samples[i]!.length / seconds[i]!,
        }),
      );
    }
  } finally {
    await Promise.all([pair.dispose(), publicServer.dispose()]);
  }
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  console.log(`\n${CALLS} calls per series and concurrency (${ROUNDS} interleaved rounds) after ${WARMUP} warm-up;`);
  console.log(
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, load average at the end ${load}\n`,
  );
  console.log("| series | concurrency | median ms | p99 ms | req/s |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(
      `| ${r.series} | ${r.concurrency} | ${r.medianMs.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.throughput.toFixed(0)} |`,
    );
  }
}

await main();
