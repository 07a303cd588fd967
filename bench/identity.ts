/**
 * Answers of two built bundles compared byte for byte: every request of the case table
 * (test/support/cases.ts, v1 and v2) and every load-test body (bench/workloads.ts), twice each
 * (cold, then warm), to both bundles under Miniflare with the production config and the same KV
 * context; status, content-type, x-model-version and body must match. Used to show a performance
 * change changed no answer (docs/performance.md).
 *
 *   npx tsx bench/identity.ts <bundle dir A> <bundle dir B>
 *
 * A bundle: `npx wrangler deploy --dry-run --env= --outdir DIR` of a checkout (e.g. `git archive
 * <commit> | tar -x -C DIR`, then scripts/bundle-models.ts and wrangler there). A request refused
 * before its body is read (the 8 MiB 413 case) can end in a connection reset on either side; such
 * a fetch failure is reported, not hidden.
 */

import { CASES } from "../test/support/cases.ts";
import { startWorker } from "./targets.ts";
import { flightsContext, workloads } from "./workloads.ts";

const [dirA, dirB] = process.argv.slice(2);
if (!dirA || !dirB) throw new Error("usage: npx tsx bench/identity.ts <bundle dir A> <bundle dir B>");
const kv = { CONTEXT: flightsContext() };
const a = await startWorker("a", dirA, {}, kv);
const b = await startWorker("b", dirB, {}, kv);
interface Req {
  method: string;
  path: string;
  body?: string;
  headers: Record<string, string>;
}
const json = { "content-type": "application/json" };
const requests: Req[] = [];
for (const c of CASES)
  for (const p of [c.v1, c.v2]) {
    if (!p) continue;
    const body = p.body === undefined || typeof p.body === "string" ? p.body : JSON.stringify(p.body);
    requests.push({ method: p.method ?? "POST", path: p.path, body, headers: { ...json, ...(p.headers ?? {}) } });
  }
for (const w of workloads(undefined))
  if (typeof w.worker.body === "string")
    requests.push({ method: "POST", path: w.worker.path, body: w.worker.body, headers: json });

async function ask(url: string, r: Req): Promise<string> {
  try {
    const res = await fetch(url + r.path, {
      method: r.method,
      body: r.method === "GET" ? undefined : r.body,
      headers: { ...r.headers, "x-request-id": "identity-check" },
    });
    const head = `${res.status} ${res.headers.get("content-type")} ${res.headers.get("x-model-version")}`;
    return `${head}\n${await res.text()}`;
  } catch (err) {
    return `fetch failed: ${(err as Error).cause ?? err}`;
  }
}

let same = 0;
const diffs: string[] = [];
try {
  for (const r of requests)
    for (let k = 0; k < 2; k++) {
      const [x, y] = [await ask(a.url, r), await ask(b.url, r)];
      if (x === y) same++;
      else diffs.push(`${r.method} ${r.path}\n  A: ${x.slice(0, 300)}\n  B: ${y.slice(0, 300)}`);
    }
} finally {
  await a.stop();
  await b.stop();
}
console.log(`${same} of ${same + diffs.length} answers byte-identical (${requests.length} requests, twice each)`);
for (const d of diffs) console.log(d);
