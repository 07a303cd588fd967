/**
 * A closed-loop load generator over Node's fetch: `concurrency` clients, each sending the next
 * request of the mix as soon as its previous one is answered, for `seconds`. Unlike a pipelined
 * benchmark client, every answer is matched to its own request, so each can be checked.
 */
import type { SoakRequest } from "./mix.ts";

export interface LoadResult {
  total: number;
  seconds: number;
  latenciesMs: Float64Array;
  /** Requests that got no answer, by error code. */
  failures: Record<string, number>;
}

export async function load(
  base: string,
  requests: readonly SoakRequest[],
  concurrency: number,
  seconds: number,
  check: (index: number, status: number, body: string) => void,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const index = next++ % requests.length;
        const r = requests[index]!;
        const t = performance.now();
        try {
          const res = await fetch(`${base}${r.path}`, {
            method: r.method,
            headers: r.headers,
            body: r.body,
            signal: AbortSignal.timeout(30_000),
          });
          const body = await res.text();
          latencies.push(performance.now() - t);
          check(index, res.status, body);
        } catch (err) {
          const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
          failures[code] = (failures[code] ?? 0) + 1;
        }
      }
    }),
  );
  return {
    total: latencies.length,
    seconds: (performance.now() - started) / 1000,
    latenciesMs: Float64Array.from(latencies),
    failures,
  };
}

/** The p-th percentile (0-100) of a set of latencies, nearest rank. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
