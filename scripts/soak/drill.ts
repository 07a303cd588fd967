/**
 * The fault drill: two instances on one persisted state; A serves a stream of distinct requests
 * at the given concurrency and is killed (SIGKILL) part-way; every request that fails on A is
 * retried on B. Then: no request may be without an answer, and every answer must equal (status
 * and body, byte for byte) the answer A gave to the same request before the drill.
 */

import { mix, type SoakRequest } from "./mix.ts";
import { type Instance, kill } from "./processes.ts";

export interface DrillOptions {
  a: Instance;
  b: Instance;
  key: string;
  requests: number;
  concurrency: number;
  /** Kill A once this many requests have been answered. */
  killAfter: number;
}

export interface DrillReport {
  requests: number;
  answeredByA: number;
  answeredByB: number;
  /** Why requests to A failed (each was then retried on B), by error code. */
  failuresOnA: Record<string, number>;
  lost: number;
  different: number;
  unexpectedStatus: number;
  killedAfter: number;
  examples: string[];
}

interface Answer {
  status: number;
  body: string;
}

async function send(base: string, r: SoakRequest): Promise<Answer> {
  const res = await fetch(`${base}${r.path}`, {
    method: r.method,
    headers: r.headers,
    body: r.body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: await res.text() };
}

/** Runs `work(i)` for i in [0, n) with at most `concurrency` in flight. */
async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

export async function drill(o: DrillOptions): Promise<DrillReport> {
  const templates = mix(o.key).length;
  const requests = Array.from({ length: o.requests }, (_, i) => mix(o.key, Math.floor(i / templates))[i % templates]!);
  const reference: Answer[] = [];
  // Progress on stderr (the report goes to stdout).
  process.stderr.write(`  reference answers from A (${requests.length} requests) …\n`);
  await pool(requests.length, o.concurrency, async (i) => {
    reference[i] = await send(o.a.url, requests[i]!);
  });

  const answers: Array<(Answer & { by: "A" | "B" }) | undefined> = [];
  let answered = 0;
  const failuresOnA: Record<string, number> = {};
  let killing: Promise<void> | undefined;
  process.stderr.write(`  the drill: same requests to A, retried on B once A is killed …\n`);
  await pool(requests.length, o.concurrency, async (i) => {
    const r = requests[i]!;
    let answer: (Answer & { by: "A" | "B" }) | undefined;
    // Every request goes to A first, as a client with a fixed endpoint would, even after the kill.
    try {
      answer = { ...(await send(o.a.url, r)), by: "A" };
    } catch (err) {
      // A is gone (connection reset mid-request, or refused): retry on B
      const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      failuresOnA[code] = (failuresOnA[code] ?? 0) + 1;
    }
    for (let attempt = 0; !answer && attempt < 3; attempt++) {
      try {
        answer = { ...(await send(o.b.url, r)), by: "B" };
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
      }
    }
    answers[i] = answer;
    if (answer && ++answered === o.killAfter) {
      process.stderr.write(`  ${answered} answered: killing A\n`);
      killing = kill(o.a);
    }
  });
  await killing;

  const report: DrillReport = {
    requests: requests.length,
    answeredByA: 0,
    answeredByB: 0,
    failuresOnA,
    lost: 0,
    different: 0,
    unexpectedStatus: 0,
    killedAfter: o.killAfter,
    examples: [],
  };
  requests.forEach((r, i) => {
    const got = answers[i];
    if (!got) {
      report.lost++;
      report.examples.push(`lost: ${r.label} #${i}`);
      return;
    }
    if (got.by === "A") report.answeredByA++;
    else report.answeredByB++;
    if (got.status !== r.expect) report.unexpectedStatus++;
    if (got.status !== reference[i]!.status || got.body !== reference[i]!.body) {
      report.different++;
      if (report.examples.length < 5)
        report.examples.push(`different: ${r.label} #${i} by ${got.by}: ${got.status} ${got.body.slice(0, 120)}`);
    }
  });
  return report;
}
