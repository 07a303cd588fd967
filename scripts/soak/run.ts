/**
 * One soak run: warm up (every request of the mix twice; cold and warm answers must agree), then
 * load for `seconds` at `concurrency`, checking each answer's status and body against the warm-up
 * answer, sampling memory every second. Memory is judged on what the Worker itself holds:
 * tf.memory() (tensors and bytes) and the isolate's V8 heap after a full GC, before and after.
 * workerd's RSS is reported too (see docs/security.md for why it is not the judge).
 */
import { Inspector } from "./inspector.ts";
import { load, percentile } from "./load.ts";
import type { SoakRequest } from "./mix.ts";
import { type Instance, rssMiB } from "./processes.ts";

export interface SoakOptions {
  instance: Instance;
  requests: readonly SoakRequest[];
  key: string;
  concurrency: number;
  seconds: number;
  /** A control Worker: no checks and no tf.memory(), memory numbers only. */
  control?: boolean;
}

interface Tensors {
  numTensors: number;
  numBytes: number;
}
export interface Sample extends Tensors {
  t: number;
  heapMiB: number;
  rssMiB: number | undefined;
}

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sum = (table: Record<string, number>) => Object.values(table).reduce((a, b) => a + b, 0);

export async function runSoak(o: SoakOptions) {
  const { instance, requests } = o;
  const tensors = async (): Promise<Tensors & { backend?: string }> => {
    if (o.control) return { numTensors: 0, numBytes: 0 };
    const res = await fetch(`${instance.url}/_internal/memory`, { headers: { authorization: `Bearer ${o.key}` } });
    return (await res.json()) as Tensors & { backend: string };
  };

  const reference: string[] = [];
  for (const round of [0, 1]) {
    for (const [i, r] of requests.entries()) {
      const res = await fetch(`${instance.url}${r.path}`, { method: r.method, headers: r.headers, body: r.body });
      const body = await res.text();
      if (o.control) continue;
      if (res.status !== r.expect)
        throw new Error(`warm-up: ${r.label} answered ${res.status}, expected ${r.expect}: ${body.slice(0, 200)}`);
      if (round === 1 && body !== reference[i])
        throw new Error(`warm-up: ${r.label} answered differently cold and warm`);
      reference[i] = body;
    }
  }

  const inspector = await Inspector.connect(instance.inspector, "core:user:stateless-serve");
  try {
    const before = {
      ...(await tensors()),
      heapAfterGcMiB: (await inspector.heapAfterGc()) / MiB,
      rssMiB: rssMiB(instance.workerd),
    };
    const samples: Sample[] = [];
    const t0 = performance.now();
    let sampling = Promise.resolve();
    const timer = setInterval(() => {
      sampling = sampling.then(async () => {
        const m = await tensors();
        const heapMiB = (await inspector.heapUsed()) / MiB;
        samples.push({
          t: (performance.now() - t0) / 1000,
          numTensors: m.numTensors,
          numBytes: m.numBytes,
          heapMiB,
          rssMiB: rssMiB(instance.workerd),
        });
        const last = samples[samples.length - 1]!;
        // Progress: one line every 10 s on stderr (the report goes to stdout).
        if (samples.length % 10 === 0)
          process.stderr.write(
            `  ${last.t.toFixed(0)}/${o.seconds} s: ${last.numTensors} tensors, heap ${heapMiB.toFixed(1)} MiB, workerd RSS ${last.rssMiB?.toFixed(1) ?? "n/a"} MiB\n`,
          );
      });
    }, 1000);

    const unexpected: Record<string, number> = {};
    const different: Record<string, number> = {};
    const count = (table: Record<string, number>, label: string) => (table[label] = (table[label] ?? 0) + 1);
    const result = await load(instance.url, requests, o.concurrency, o.seconds, (i, status, body) => {
      if (o.control) return;
      const r = requests[i]!;
      if (status !== r.expect) count(unexpected, `${r.label}: ${status}`);
      else if (body !== reference[i]) count(different, r.label);
    });
    clearInterval(timer);
    await sampling;
    await sleep(1000);
    const after = {
      ...(await tensors()),
      heapAfterGcMiB: (await inspector.heapAfterGc()) / MiB,
      rssMiB: rssMiB(instance.workerd),
    };

    const sorted = result.latenciesMs.sort();
    const errors = sum(unexpected) + sum(different) + sum(result.failures);
    const tensorsFlat = after.numTensors === before.numTensors && after.numBytes === before.numBytes;
    // The isolate's retained heap may move by allocator noise, not by the load: 5% plus 2 MiB.
    const heapFlat = after.heapAfterGcMiB <= before.heapAfterGcMiB * 1.05 + 2;
    const rss = samples.map((s) => s.rssMiB).filter((x): x is number => x !== undefined);
    return {
      control: o.control === true,
      backend: after.backend,
      concurrency: o.concurrency,
      seconds: o.seconds,
      requests: result.total,
      perSecond: Math.round(result.total / result.seconds),
      latencyMs: Object.fromEntries(
        [50, 90, 99, 99.9, 100].map((p) => [p === 100 ? "max" : `p${p}`, Number(percentile(sorted, p).toFixed(1))]),
      ),
      unexpected,
      different,
      failures: result.failures,
      errors,
      before,
      after,
      maxTensorsWhileLoaded: Math.max(...samples.map((s) => s.numTensors)),
      maxHeapWhileLoadedMiB: Math.max(...samples.map((s) => s.heapMiB)),
      maxRssMiB: Math.max(...rss),
      tensorsFlat,
      heapFlat,
      samples,
      failed: !o.control && (errors > 0 || !tensorsFlat || !heapFlat),
    };
  } finally {
    inspector.close();
  }
}

export type SoakReport = Awaited<ReturnType<typeof runSoak>>;
