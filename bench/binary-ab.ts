/**
 * A/B of the image workload as JSON and as v2 binary tensor data against one image Worker
 * (dist/bench/image-worker, built by `npm run bench`): requests alternate JSON / binary, one at a
 * time, so background load hits both alike; prints the median latency and the workerd process's
 * CPU per request of each. `npm run bench -- --only image` has the full rows; this is the tight pair.
 *
 *   npx tsx bench/binary-ab.ts [--pairs 40]
 */
import { ensureImageModel } from "./image-model.ts";
import { cpuMs, IMAGE_WORKER_DIR, startWorker } from "./targets.ts";
import { type Workload, workloads } from "./workloads.ts";

const i = process.argv.indexOf("--pairs");
const PAIRS = i >= 0 ? Number(process.argv[i + 1]) : 40;
const list = workloads(await ensureImageModel());
const json = list.find((w) => w.bundle === "image" && !w.pool && !w.worker.headers)!;
const binary = list.find((w) => w.bundle === "image" && w.worker.headers)!;
const server = await startWorker("binary-ab", IMAGE_WORKER_DIR, {});
try {
  const call = async (w: Workload) => {
    const t0 = performance.now();
    const res = await fetch(`${server.url}${w.worker.path}`, {
      method: "POST",
      headers: w.worker.headers ?? { "content-type": "application/json" },
      body: w.worker.body,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${w.id}: ${res.status} ${text.slice(0, 200)}`);
    return { ms: performance.now() - t0, text };
  };
  const [a, b] = [await call(json), await call(binary)];
  if (a.text !== b.text) throw new Error(`JSON and binary answers differ:\n${a.text}\n${b.text}`);
  for (let k = 0; k < 5; k++) for (const w of [json, binary]) await call(w); // warm-up
  const stats = new Map<Workload, { ms: number[]; cpu: number }>([
    [json, { ms: [], cpu: 0 }],
    [binary, { ms: [], cpu: 0 }],
  ]);
  for (let k = 0; k < PAIRS; k++) {
    for (const w of [json, binary]) {
      const cpu0 = cpuMs(server.pid);
      stats.get(w)!.ms.push((await call(w)).ms);
      stats.get(w)!.cpu += cpuMs(server.pid) - cpu0;
    }
  }
  for (const [w, s] of stats) {
    const median = [...s.ms].sort((x, y) => x - y)[s.ms.length >> 1]!;
    console.log(
      `${w.id}: median ${median.toFixed(1)} ms, ${(s.cpu / PAIRS).toFixed(1)} ms CPU per request (${PAIRS} requests)`,
    );
  }
} finally {
  await server.stop();
}
