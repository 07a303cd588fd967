/**
 * What the benchmark starts on loopback, and how it reads their CPU time and peak memory:
 * the built Worker bundles under Miniflare (workerd), the floor Workers on the same runtime
 * (bench/floors.ts), and the Node.js peer (bench/node-peer.ts) as a child process.
 * Every process started here is stopped by its own handle or PID.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { productionWorkerOptions } from "../scripts/miniflare-options.ts";
import { KV_FLOOR, NOOP_FLOOR } from "./floors.ts";

export const BENCH_DIR = "dist/bench";
export const WORKER_DIR = `${BENCH_DIR}/worker`;
export const IMAGE_WORKER_DIR = `${BENCH_DIR}/image-worker`;

const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

function wranglerBuild(outdir: string, config?: string): void {
  // Absolute: with --config, wrangler resolves relative paths from the config's directory.
  execFileSync(
    "npx",
    ["wrangler", "deploy", "--dry-run", "--env=", "--outdir", resolve(outdir), ...(config ? ["--config", config] : [])],
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: WRANGLER_ENV,
    },
  );
}

/** The production bundle, as `npm run build` makes it (bundled-model index, then wrangler), into dist/bench/worker. */
export function buildWorker(): void {
  execFileSync(process.execPath, ["--import", "tsx", "scripts/bundle-models.ts"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  wranglerBuild(WORKER_DIR);
}

/**
 * A bench-only bundle serving only the image model: the production wrangler.toml plus an `alias`
 * that swaps the generated bundled-models module for one listing the image model (its name and
 * files from its manifest.json), and a Data rule for the converter's extension-less shard names
 * (`group1-shard1of1`), which the production rules (`*.bin`, `*.json`) do not cover.
 */
export function buildImageWorker(imageDir: string): void {
  const manifest = JSON.parse(readFileSync(join(imageDir, "manifest.json"), "utf8")) as {
    name: string;
    version: number;
    files: Record<string, string>;
  };
  const files = ["manifest.json", ...Object.keys(manifest.files)];
  const spec = (f: string) => `./${relative(BENCH_DIR, join(imageDir, f))}`;
  writeFileSync(
    `${BENCH_DIR}/image-models.generated.ts`,
    [
      "// Written by bench/targets.ts: the bench-only image model, in place of the bundled fixtures.",
      'import type { BundledModel } from "../../src/adapters/bundled/source.ts";',
      ...files.map((f, i) => `import f${i} from "${spec(f)}";`),
      "export const BUNDLED_MODELS: BundledModel[] = [",
      `  { name: ${JSON.stringify(manifest.name)}, labels: undefined, versions: [{ version: ${manifest.version}, files: {`,
      ...files.map((f, i) => `    ${JSON.stringify(f)}: f${i} as unknown as ArrayBuffer,`),
      "  } }] },",
      "];",
      "",
    ].join("\n"),
  );
  const toml = readFileSync("wrangler.toml", "utf8")
    .replace(
      /^main = "src\/worker.ts"$/m,
      'main = "../../src/worker.ts"\nalias = { "../adapters/bundled/models.generated.ts" = "./image-models.generated.ts" }',
    )
    .replace(
      /^\[\[rules\]\]$/m,
      '[[rules]]\ntype = "Data"\nglobs = ["**/artifacts/**/group*-shard*"]\nfallthrough = true\n\n[[rules]]',
    );
  if (!toml.includes("alias =")) throw new Error('wrangler.toml: main is not "src/worker.ts"; update bench/targets.ts');
  if (!toml.includes("group*-shard*"))
    throw new Error("wrangler.toml: no [[rules]] block to add the shard rule beside; update bench/targets.ts");
  writeFileSync(`${BENCH_DIR}/wrangler.image.toml`, toml);
  wranglerBuild(IMAGE_WORKER_DIR, `${BENCH_DIR}/wrangler.image.toml`);
}

export interface Server {
  name: string;
  url: string;
  /** The OS process doing the serving (workerd, or the Node peer). */
  pid: number;
  /** From starting the process to it accepting requests (ms). */
  readyMs: number;
  /** Set for the Workers (for their bindings). */
  miniflare?: Miniflare;
  stop(): Promise<void>;
}

/** PIDs of workerd processes started by this process (Miniflare spawns them as children). */
function workerdChildren(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "workerd" && ppid === process.pid) pids.add(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** BENCH_PORT_BASE: Workers listen on consecutive ports from it (a shared machine's assigned range); else any free port. */
let nextPort = Number(process.env.BENCH_PORT_BASE ?? 0);
const listenPort = () => (nextPort > 0 ? nextPort++ : 0);

async function startMiniflare(name: string, options: ConstructorParameters<typeof Miniflare>[0]): Promise<Server> {
  const t0 = performance.now();
  const before = workerdChildren();
  const mf = new Miniflare({
    ...options,
    host: "127.0.0.1",
    port: listenPort(),
    // Worker logs (one JSON line per request, e.g. auth_open) are read and dropped, not printed.
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      stdout.resume();
      stderr.resume();
    },
  } as ConstructorParameters<typeof Miniflare>[0]);
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const readyMs = performance.now() - t0;
  const pid = [...workerdChildren()].find((p) => !before.has(p));
  if (pid === undefined) throw new Error("could not find the workerd process Miniflare started");
  return { name, url, pid, readyMs, miniflare: mf, stop: () => mf.dispose() };
}

/**
 * A built bundle under Miniflare with the production config (wrangler.toml), vars overridden.
 * The rate limiter's budget is raised (the load test is one client sending thousands of requests);
 * the binding is still called on every request, as in production.
 */
export async function startWorker(
  name: string,
  bundleDir: string,
  vars: Record<string, string>,
  kv: KvSeed = {},
  extra: { inspectorPort?: number; logQueue?: "local" | "drop" } = {},
): Promise<Server> {
  const { logQueue = "local", ...shared } = extra;
  const options = productionWorkerOptions(bundleDir, { vars, rateLimit: 1_000_000_000 });
  const worker = {
    ...options,
    // The converter's shard names have no extension (group1-shard1of1, the image bundle's model):
    // raw bytes as well, like the production rules' *.bin.
    modulesRules: [{ type: "Data", include: ["**/*-shard*of*"], fallthrough: true }, ...options.modulesRules],
  };
  const server = await startMiniflare(
    name,
    (logQueue === "local"
      ? { ...worker, ...shared }
      : { ...shared, workers: [dropLogQueue(worker), LOG_DROP_WORKER] }) as ConstructorParameters<typeof Miniflare>[0],
  );
  await seed(server, kv);
  return server;
}

/**
 * Deployed, the log queue's broker and its consumer are not the predicting invocation's CPU; under
 * Miniflare they run in the same workerd process the bench reads CPU time from. This worker stands
 * in for the LOG_QUEUE producer (a wrapped binding, run inside the Worker's own isolate) and
 * discards what it is sent, so a target using it counts what the Worker itself does to log a
 * prediction (capture, records, serialising the batch for sendBatch) and nothing else.
 */
const LOG_DROP_WORKER = {
  name: "log-drop",
  modules: true,
  script: `export default function () {
  const size = (messages) => messages.reduce((n, m) => n + JSON.stringify(m.body).length, 0);
  return { async send(body) { size([{ body }]); }, async sendBatch(messages) { size(messages); } };
}`,
};
function dropLogQueue(worker: Record<string, unknown>): Record<string, unknown> {
  const { queueProducers: _p, queueConsumers: _c, ...rest } = worker;
  return { ...rest, wrappedBindings: { LOG_QUEUE: { scriptName: LOG_DROP_WORKER.name } } };
}

/** KV entries to write before serving, by binding name. */
export type KvSeed = Record<string, ReadonlyArray<{ key: string; value: string }>>;

/**
 * A floor Worker (bench/floors.ts) on the same runtime and compatibility date as the bundle:
 * `noop` receives the body and answers fixed JSON; `kv` also parses it and reads the flights'
 * context keys from a local KV namespace `CONTEXT` (seeded like the Worker's) in one multi-key get.
 */
export async function startFloor(kind: "noop" | "kv" = "noop", kv: KvSeed = {}): Promise<Server> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions("wrangler.toml");
  const server = await startMiniflare(kind === "noop" ? "floor" : "floor-kv", {
    name: "floor",
    compatibilityDate: workerOptions.compatibilityDate,
    modules: true,
    script: kind === "noop" ? NOOP_FLOOR : KV_FLOOR,
    ...(kind === "kv" ? { kvNamespaces: ["CONTEXT"] } : {}),
  } as ConstructorParameters<typeof Miniflare>[0]);
  if (kind === "kv") await seed(server, kv);
  return server;
}

async function seed(server: Server, kv: KvSeed): Promise<void> {
  for (const [binding, entries] of Object.entries(kv)) {
    const namespace = await server.miniflare!.getKVNamespace(binding);
    await Promise.all(entries.map(({ key, value }) => namespace.put(key, value)));
  }
}

/** The Node.js + @tensorflow/tfjs peer (bench/node-peer.ts) in a child process. */
export function startPeer(backend: "cpu" | "wasm", models: Record<string, string>): Promise<Server> {
  const t0 = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "bench/node-peer.ts",
      "--backend",
      backend,
      "--port",
      "0",
      ...Object.entries(models).map(([n, d]) => `${n}=${d}`),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stderr!.resume();
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`node peer (${backend}) did not start: ${out}`)), 60_000);
    child.on("exit", (code) => reject(new Error(`node peer (${backend}) exited with ${code}: ${out}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /READY (\d+) (\w+)/.exec(out);
      if (!ready) return;
      clearTimeout(timer);
      if (ready[2] !== backend) reject(new Error(`node peer asked for ${backend} runs on ${ready[2]}`));
      resolve({
        readyMs: performance.now() - t0,
        name: `node-${backend}`,
        url: `http://127.0.0.1:${ready[1]}`,
        pid: child.pid!,
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners("exit");
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
  });
}

const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim() || "100");

/** User + system CPU time of a process so far (ms, clock-tick resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** Peak resident set size of a process so far (VmHWM, bytes). */
export function peakRssBytes(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : NaN;
}
