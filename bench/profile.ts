/**
 * Where the Worker's CPU goes under load: builds an unminified bundle (readable function names),
 * serves it under Miniflare with the production config, drives one workload with autocannon and
 * records a V8 CPU profile through workerd's inspector. Prints the top functions by self time and
 * by inclusive time, and self time by module (percent of samples). Under the inspector, console.log
 * is far dearer than without it (each line goes to the inspector too), so `reportRequest` looks
 * bigger here than it is. Used to explain the benchmark's misses (docs/performance.md).
 *
 *   tsx bench/profile.ts ["tiny_layers x1"] [--backend wasm|cpu] [--seconds 3] [--image] [--inspector-port 9329]
 */

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import autocannon from "autocannon";
import { fetch as upgradeFetch } from "miniflare";
import { ensureImageModel } from "./image-model.ts";
import { BENCH_DIR, buildImageWorker, startWorker } from "./targets.ts";
import { flightsContext, workloads } from "./workloads.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1]! : fallback;
const wanted =
  argv.find((a) => !a.startsWith("--") && !argv[argv.indexOf(a) - 1]?.startsWith("--")) ?? "tiny_layers x1";
const backend = opt("backend", "wasm");
const seconds = Number(opt("seconds", "3"));
/** workerd's inspector (loopback); pick a free port when several profiles run on one machine. */
const INSPECTOR_PORT = Number(opt("inspector-port", "9329"));

const imageDir = argv.includes("--image") || wanted.startsWith("image") ? await ensureImageModel() : undefined;
const workload =
  workloads(imageDir).find((w) => w.id === wanted) ?? workloads(imageDir).find((w) => w.id.startsWith(wanted));
if (!workload) throw new Error(`no workload '${wanted}'`);
const dir = `${BENCH_DIR}/profile-worker`;
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
if (workload.bundle === "image") buildImageWorker(imageDir!);
const config = workload.bundle === "image" ? ["--config", `${BENCH_DIR}/wrangler.image.toml`] : [];
execFileSync(
  "npx",
  ["wrangler", "deploy", "--dry-run", "--env=", "--minify=false", "--outdir", resolve(dir), ...config],
  { stdio: ["ignore", "ignore", "inherit"], env },
);

const server = await startWorker(
  "profile",
  dir,
  { TFJS_BACKEND: backend },
  { CONTEXT: flightsContext() },
  { inspectorPort: INSPECTOR_PORT },
);
const fire = (duration: number) =>
  new Promise<number>((done, fail) =>
    autocannon(
      {
        url: `${server.url}${workload.worker.path}`,
        method: "POST",
        headers: workload.worker.headers ?? { "content-type": "application/json" },
        body: workload.worker.body,
        connections: workload.connections,
        duration,
      },
      (err, result) => (err ? fail(err) : done(result["2xx"] / result.duration)),
    ),
  );
try {
  await fire(2);
  const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json()) as Array<{
    title?: string;
    webSocketDebuggerUrl: string;
  }>;
  const target = targets.find((t) => t.title?.includes("stateless-serve")) ?? targets[0]!;
  // Miniflare's fetch does WebSocket upgrades (Node 20 has no global WebSocket client).
  const upgrade = await upgradeFetch(target.webSocketDebuggerUrl.replace(/^ws:/, "http:"), {
    headers: { Upgrade: "websocket" },
  });
  const ws = upgrade.webSocket;
  if (!ws) throw new Error(`inspector refused the WebSocket upgrade (${upgrade.status})`);
  ws.accept();
  let nextId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((done) => {
      const id = ++nextId;
      pending.set(id, done as (result: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  const throughput = await fire(seconds);
  const { profile } = await send<{ profile: Profile }>("Profiler.stop");
  ws.close();

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) =>
    `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = label(byId.get(at)!);
      if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
      seen.add(key);
    }
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${((100 * v) / profile.samples.length).toFixed(1).padStart(5)}%  ${k}`)
      .join("\n");
  console.log(
    `${workload.id} on ${backend}: ${throughput.toFixed(0)} req/s while profiling, ${profile.samples.length} samples\n`,
  );
  // Self time by where the code comes from: esbuild's unminified bundle marks each module with a
  // `// path` comment line, so a function's line number names its module (a package, or src/...).
  const marks = readFileSync(`${dir}/worker.js`, "utf8")
    .split("\n")
    .flatMap((line, i) => (/^\/\/ [\w@(][^ ]*$/.test(line) ? [{ line: i, path: line.slice(3) }] : []));
  const moduleOf = (n: ProfileNode) => {
    if (!n.callFrame.url.endsWith("worker.js")) return n.callFrame.functionName || "(native)";
    let found = "(bundle prelude)";
    for (const m of marks) if (m.line <= n.callFrame.lineNumber) found = m.path;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(found);
    return pkg ? pkg[1]! : found;
  };
  const byModule = new Map<string, number>();
  for (const id of profile.samples) {
    const key = moduleOf(byId.get(id)!);
    byModule.set(key, (byModule.get(key) ?? 0) + 1);
  }
  console.log(`self time:\n${top(self, 25)}\n\ninclusive time:\n${top(inclusive, 40)}`);
  console.log(`\nself time by module (package or source file; natives by name):\n${top(byModule, 30)}`);
} finally {
  await server.stop();
}
