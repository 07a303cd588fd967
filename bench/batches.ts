/**
 * Batches in-process (issue 22): the flights predict path from a parsed request body to the
 * answer's text, as the Worker runs it (core/serving/protocols.ts: v1 or v2 decoding, the
 * registry, the flights pipeline, the context read through the KV adapter from an in-memory
 * stand-in of KV, the model on the lean runtime in front of TF.js wasm-SIMD, the encoding), in
 * Node, with no HTTP. Two source trees run in one process, alternating round by round, so both
 * see the same machine load: `--before DIR` (a copy of src/ at an earlier commit) and this tree
 * (or `--after DIR`).
 * Each workload's answers are compared byte for byte between the two first, then timed: ms per
 * request (median of the rounds) and the ratio. `--log` adds what the prediction log (on by
 * default) costs a request: its capture, its records, and the producer (log-sink.ts) sending them
 * to a stand-in queue that serialises each message as JSON, as the binding does. `--profile FILE` writes a V8 CPU profile of this
 * tree's rounds of the workloads selected (load it in Chrome DevTools, or read the summary printed).
 * Run under `node --expose-gc` (the npm script does) so each round starts on a collected heap: the
 * trees share one, and one tree's garbage would otherwise be collected in the other's rounds.
 *
 *   mkdir -p dist/before && git archive <commit> src | tar -x -C dist/before    (the tree to compare against)
 *   npm run bench:batches -- [--before dist/before] [--after DIR] [--only REGEX] [--ms 600] [--rounds 5] [--profile FILE]
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { prng } from "../model/lib/prng.ts";
import { exitOnHelp } from "../scripts/help.ts";

const argv = process.argv.slice(2);
exitOnHelp(
  {
    script: "bench:batches",
    args: "[--before DIR] [--after DIR] [--only REGEX] [--ms N] [--rounds N] [--log] [--profile FILE]",
    summary:
      "The flights predict path in-process (decode, KV adapter, pipeline, lean/TF.js model, encode) for two source trees, answers compared byte for byte, then timed alternately.",
    options: [
      ["--before DIR", "a copy of src/ to compare against (default dist/before; absent: this tree only)"],
      ["--after DIR", "the tree to measure (default: this one)"],
      ["--only REGEX", "workloads whose name matches"],
      ["--ms N", "milliseconds per timed round and tree (default 600)"],
      ["--rounds N", "rounds (default 5)"],
      ["--log", "build each request's prediction-log records too, as the Worker does after answering"],
      ["--profile FILE", "write a V8 CPU profile of this tree's rounds and print its top functions"],
    ],
    examples: [
      "mkdir -p dist/before && git archive HEAD~3 src | tar -x -C dist/before && npm run bench:batches",
      'npm run bench:batches -- --only "x1024" --log --profile dist/batches.cpuprofile',
    ],
    notes: "Used for the paired before/after numbers of issue 22 in docs/performance.md.",
  },
  argv,
);
const opt = (name: string, fallback: string) =>
  argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1]! : fallback;
const MS = Number(opt("ms", "600"));
const ROUNDS = Number(opt("rounds", "5"));
const ONLY = new RegExp(opt("only", "."));
const PROFILE = argv.includes("--profile") ? opt("profile", "") : undefined;
const BEFORE = resolve(opt("before", "dist/before"));
const AFTER = resolve(opt("after", "."));
/** With the prediction log's capture and records (PREDICTION_LOG=on, the production default). */
const LOG = argv.includes("--log");

interface Tree {
  name: string;
  /** One request: the parsed body in, the answer's text out. */
  call(kind: "v1" | "v2", body: unknown, compare?: boolean): Promise<string>;
}

const ARTIFACT = "model/artifacts/flights/1";
const wasmPath = createRequire(import.meta.url).resolve(
  "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
);
const compileWasm = (bytes: Uint8Array) =>
  (WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> }).compile(bytes);
const wasm = await compileWasm(readFileSync(wasmPath));
const buffer = (path: string) => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};
const files = Object.fromEntries(readdirSync(ARTIFACT).map((f) => [f, buffer(join(ARTIFACT, f))]));
const entries = JSON.parse(readFileSync("model/artifacts/flights/context.json", "utf8")) as Array<{
  key: string;
  value: string;
}>;
const kvText = new Map(entries.map((e) => [e.key, e.value]));
/** KV's multi-key `get` as text, over the committed context (what Miniflare's KV holds in the bench, and more). */
const kv = {
  get: async (keys: string[]) => new Map(keys.map((k) => [k, kvText.get(k) ?? null])),
} as unknown as KVNamespace;

async function tree(name: string, root: string): Promise<Tree> {
  const at = (path: string) => join(root, path);
  const { ensureBackend } = await import(at("src/runtime/tfjs/backend.ts"));
  const { tfjsRuntime } = await import(at("src/runtime/tfjs/model.ts"));
  const { leanRuntime } = await import(at("src/runtime/lean/runtime.ts"));
  const { Registry } = await import(at("src/core/models/registry.ts"));
  const { bundledSource } = await import(at("src/adapters/bundled/source.ts"));
  const { kvContext } = await import(at("src/adapters/kv/context-store.ts"));
  const { PIPELINES } = await import(at("src/worker/pipelines.ts"));
  const { predictV1Text, inferV2Http } = await import(at("src/core/serving/protocols.ts"));
  const { createTrace } = await import(at("src/core/observability/trace.ts"));
  const { DEFAULT_LIMITS } = await import(at("src/core/tensors/tensors.ts"));
  const { createCapture } = await import(at("src/core/monitoring/capture.ts"));
  const { queueLogSink } = await import(at("src/adapters/queues/log-sink.ts"));
  // The queue as the Worker's binding takes JSON messages: each body serialised.
  const sink = queueLogSink({
    sendBatch: async (messages: Iterable<{ body: unknown }>) => {
      for (const m of messages) JSON.stringify(m.body);
    },
  });
  const { versionIdentity } = await import(at("src/core/models/identity.ts"));
  await ensureBackend("wasm", wasm);
  // The identity the bundle computes at build time (scripts/bundle-models.ts), so a request finds the memo directly.
  const manifest = JSON.parse(readFileSync(join(ARTIFACT, "manifest.json"), "utf8"));
  const sha256 = await versionIdentity(manifest.files, manifest);
  const bundled = [{ name: "flights", labels: undefined, versions: [{ version: 1, sha256, files }] }];
  const registry = new Registry([bundledSource(bundled)], {
    memo: true,
    runtime: leanRuntime(tfjsRuntime),
    pipelines: PIPELINES,
  });
  const context = kvContext(kv, { cacheTtl: 60, timeoutMs: 5000 });
  return {
    name,
    async call(kind, body, compare = false) {
      const capture = LOG ? createCapture(kind) : undefined;
      capture?.asked("flights");
      const deps = { registry, context, limits: DEFAULT_LIMITS, trace: createTrace("bench"), capture };
      const ref = { name: "flights", version: 1 };
      const answer =
        kind === "v1"
          ? ((await predictV1Text(deps, ref, body)).body as string)
          : JSON.stringify((await inferV2Http(deps, ref, body)).body);
      if (capture) {
        // What the Worker does after answering (ctx.waitUntil): the records, sent to the queue as JSON.
        const records = await capture.records({ requestId: "bench", time: 0, status: 200, latencyMs: 1 });
        if (compare) return `${answer}\n${JSON.stringify(records)}`; // compared between the trees too
        await sink.send(records);
      }
      return answer;
    },
  };
}

/** The bench's four flights (bench/workloads.ts), repeated. */
const FOUR = [
  { origin: "SFO", destination: "LAX", departure: "2001-06-15T08:30", distance: 337 },
  { origin: "JFK", destination: "LAX", departure: "2001-06-15T17:05", distance: 2475 },
  { origin: "ORD", destination: "ATL", departure: "2001-06-16T07:10", distance: 606 },
  { origin: "DEN", destination: "SEA", departure: "2001-06-17T19:45", distance: 1024 },
];
const repeated = (n: number) => Array.from({ length: n }, (_, i) => FOUR[i % FOUR.length]!);

/** n distinct seeded flights between the context's airports, June 2001, some without route or live values. */
function distinct(n: number, seed = 7) {
  const random = prng(seed);
  const airports = entries.filter((e) => e.key.startsWith("ap:")).map((e) => e.key.slice(3));
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const origin = pick(airports);
    let destination = pick(airports);
    if (destination === origin) destination = airports[(airports.indexOf(origin) + 1) % airports.length]!;
    const day = 1 + Math.floor(random() * 30);
    const hh = Math.floor(random() * 24);
    const mm = Math.floor(random() * 60);
    const pad = (v: number) => String(v).padStart(2, "0");
    return {
      origin: i % 7 === 0 ? origin.toLowerCase() : origin,
      destination,
      departure: `2001-06-${pad(day)}T${pad(hh)}:${pad(mm)}`,
      distance: Math.round(100 + random() * 2500),
      key: `k${i}`,
    };
  });
}

interface Load {
  name: string;
  kind: "v1" | "v2";
  body: unknown;
}

const v2Body = (rows: ReturnType<typeof distinct>, outputs?: string[], parameters?: Record<string, unknown>) => ({
  id: "b",
  ...(parameters ? { parameters } : {}),
  inputs: [
    { name: "origin", shape: [rows.length], datatype: "BYTES", data: rows.map((r) => r.origin) },
    { name: "destination", shape: [rows.length], datatype: "BYTES", data: rows.map((r) => r.destination) },
    { name: "departure", shape: [rows.length], datatype: "BYTES", data: rows.map((r) => r.departure) },
    { name: "distance", shape: [rows.length], datatype: "FP32", data: rows.map((r) => r.distance) },
  ],
  ...(outputs ? { outputs: outputs.map((name) => ({ name })) } : {}),
});

const LOADS = (
  [
    { name: "flights x1", kind: "v1", body: { instances: repeated(1) } },
    { name: "flights x64", kind: "v1", body: { instances: repeated(64) } },
    { name: "flights x1024", kind: "v1", body: { instances: repeated(1024) } },
    { name: "flights x1024 distinct, keyed", kind: "v1", body: { instances: distinct(1024) } },
    {
      name: "flights x1024 distinct, as_of instant",
      kind: "v1",
      body: {
        instances: distinct(1024, 9).map((r) => ({ ...r, departure: r.departure.replace(/T\d\d/, "T23") })),
        as_of: "2001-06-01T06:00:00Z",
      },
    },
    { name: "flights x1024 distinct v2", kind: "v2", body: v2Body(distinct(1024, 11)) },
    {
      name: "flights x1024 distinct v2 outputs=delay_probability",
      kind: "v2",
      body: v2Body(distinct(1024, 11), ["delay_probability"]),
    },
    {
      name: "flights x1024 distinct v2 context",
      kind: "v2",
      body: v2Body(distinct(1024, 13), undefined, { context: true }),
    },
  ] as Load[]
).filter((l) => ONLY.test(l.name));

const trees: Tree[] = [];
let hasBefore = false;
try {
  readdirSync(join(BEFORE, "src"));
  hasBefore = true;
} catch {}
if (hasBefore) trees.push(await tree("before", BEFORE));
trees.push(await tree(AFTER === resolve(".") ? "this tree" : "after", AFTER));

// Answers compared byte for byte (bodies parsed afresh per call, as the HTTP layer does).
const text = (l: Load) => JSON.stringify(l.body);
for (const l of LOADS) {
  const answers = await Promise.all(
    trees.map((t) => t.call(l.kind, JSON.parse(text(l)), true).catch((e: Error) => `ERROR ${e.message}`)),
  );
  const same = answers.every((a) => a === answers[0]);
  console.log(
    `${l.name}: ${answers[0]!.length} bytes${trees.length > 1 ? (same ? ", byte-identical" : ", DIFFERENT") : ""}`,
  );
  if (!same) {
    const [a, b] = answers as [string, string];
    let k = 0;
    while (a[k] === b[k]) k++;
    console.log(
      `  first difference at ${k}:\n  before: ${a.slice(Math.max(0, k - 120), k + 120)}\n  after:  ${b.slice(Math.max(0, k - 120), k + 120)}`,
    );
    process.exitCode = 1;
  }
}

/** node --expose-gc: each round starts on a collected heap, so one tree's garbage is not timed in the other's round. */
const collect = (globalThis as { gc?: () => void }).gc;

async function timed(t: Tree, l: Load): Promise<number> {
  const body = text(l);
  collect?.();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < MS) {
    await t.call(l.kind, JSON.parse(body));
    n++;
  }
  return (performance.now() - t0) / n;
}

interface Profile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
}
const profiles: Profile[] = [];

const session = PROFILE ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
}
const loads = [loadavg()[0]!];
const times = new Map<string, number[]>();
for (const l of LOADS) for (const t of trees) await timed(t, l); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const l of LOADS) {
    const order = r % 2 === 0 ? trees : [...trees].reverse();
    for (const t of order) {
      const profiling = session && t === trees.at(-1);
      if (profiling) await session.post("Profiler.start");
      const ms = await timed(t, l);
      if (profiling) {
        const { profile } = await session.post("Profiler.stop");
        profiles.push(profile as unknown as Profile);
      }
      const key = `${l.name}\t${t.name}`;
      times.set(key, [...(times.get(key) ?? []), ms]);
    }
  }
  loads.push(loadavg()[0]!);
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
console.log(
  `\nload average (1 min) ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}; ${ROUNDS} rounds of ${MS} ms per tree`,
);
console.log(
  `| workload | ${trees.map((t) => `${t.name} ms/req`).join(" | ")}${trees.length > 1 ? " | after/before" : ""} |`,
);
console.log(`| --- | ${trees.map(() => "---:").join(" | ")}${trees.length > 1 ? " | ---:" : ""} |`);
for (const l of LOADS) {
  const ms = trees.map((t) => median(times.get(`${l.name}\t${t.name}`)!));
  const ratio = ms.length > 1 ? ` | ${(ms[1]! / ms[0]!).toFixed(2)}` : "";
  console.log(`| ${l.name} | ${ms.map((m) => m.toFixed(3)).join(" | ")}${ratio} |`);
}

if (session && PROFILE) {
  // One profile of all profiled rounds: the first round's with every later round's samples appended
  // would mix node ids, so each is summarised on its own and the counts added.
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const label = (id: number) => {
      const f = byId.get(id)!.callFrame;
      return `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(src|node_modules)\//, "$1/")}:${f.lineNumber + 1}`;
    };
    for (const id of p.samples) {
      total++;
      self.set(label(id), (self.get(label(id)) ?? 0) + 1);
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const key = label(at);
        if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
        seen.add(key);
      }
    }
  }
  writeFileSync(PROFILE, JSON.stringify(profiles[0]));
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join("\n");
  console.log(
    `\nprofile of this tree (${total} samples):\nself time:\n${top(self, 30)}\n\ninclusive time:\n${top(inclusive, 45)}`,
  );
}
