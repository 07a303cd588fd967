/**
 * The closed loop end to end with flights (docs/monitoring.md, "The loop end to end"): ask the
 * running Worker for every flight of a June 2001 day one hour before its departure (v1, key = the
 * replay's flight id), let the replay's arrivals deliver the outcomes, then compare the live AUC
 * of GET /v2/models/flights/quality with the offline evaluation of the same flights at lead 1 h.
 */
import { parseArgs } from "node:util";
import { exitOnHelp } from "./help.ts";

exitOnHelp({
  script: "loop",
  args: "-- --day YYYY-MM-DD [options]",
  summary: `Asks a running Worker (npm start) for every flight departing --day (local date), each at
as_of = departure - 1 h, with the replay's flight id ("2001-row-<i>") as the v1 key; waits until
the Monitor object has joined them with their outcomes (the arrivals of \`npm run replay\` for the
same day, before or after: both orders join), then prints the live AUC of /quality next to the
offline AUC of the same flights at lead 1 h (model/flights features from context.json, the
committed model), and fails when they differ by more than --tolerance.`,
  options: [
    ["--day D", "the local date (2001-06-01 .. 2001-06-30)"],
    ["--url URL", "the Worker (default http://localhost:8787)"],
    ["--api-key KEY", "an API key when API_KEYS is set (default: API_KEY)"],
    ["--limit N", "only the first N flights of the day (default: all)"],
    ["--airport CODE", "only flights departing this airport"],
    ["--wait S", "seconds to wait for the joins (default 300)"],
    ["--tolerance T", "largest |live - offline| AUC accepted (default 0.02)"],
    ["--window W", "the /quality window read: 1h, 24h (default) or 7d"],
    ["--check-export F", "ask nothing: compare the features in F (npm run logs -- export) with the offline ones"],
    ["--since T", "with --check-export: only rows logged at or after this instant (one run's)"],
  ],
  examples: [
    "npm start                                     (terminal 1; INGEST_KEYS in .dev.vars)",
    "npm run replay -- --day 2001-06-15 --speed 600 (terminal 2)",
    "npm run loop -- --day 2001-06-15              (terminal 3, after the replay: all 16,503 flights)",
    "npm run loop -- --day 2001-06-15 --airport ORD (one airport's 885)",
  ],
  notes: `The live figures cover every flights prediction in the window (clock hours of the predictions'
own time): run it on a fresh local state, or start it just after a full hour with --window 1h, when
other flights predictions were made that day (it prints the counts).`,
});

const { values: opts } = parseArgs({
  options: {
    day: { type: "string" },
    url: { type: "string", default: "http://localhost:8787" },
    "api-key": { type: "string" },
    limit: { type: "string" },
    airport: { type: "string" },
    wait: { type: "string", default: "300" },
    tolerance: { type: "string", default: "0.02" },
    window: { type: "string", default: "24h" },
    "check-export": { type: "string" },
    since: { type: "string" },
  },
});
if (!opts.day || !/^2001-06-\d{2}$/.test(opts.day))
  throw new Error(`--day: expected a June 2001 date, got ${opts.day}`);
const day = opts.day;
const apiKey = opts["api-key"] ?? process.env.API_KEY;
const headers: Record<string, string> = { "content-type": "application/json" };
if (apiKey) headers.authorization = `Bearer ${apiKey}`;

const { join } = await import("node:path");
const { readFileSync } = await import("node:fs");
const { departureOf, isLate, loadFlights, requestRow } = await import("../model/flights/data.ts");
const { asOfAt, F } = await import("../model/flights/dataset.ts");
const { auc } = await import("../model/flights/metrics.ts");
const { cpuBackend, loadModel, predict } = await import("../model/flights/model.ts");
const { readContextFile } = await import("../model/flights/context.ts");
const { pathsFor } = await import("../model/flights/cli.ts");
const { buildFeatures, FlightsParamsSchema, lookupFromEntries, parseFlight } = await import(
  "../src/pipelines/flights/index.ts"
);

const LEAD = 60;
const flights = await loadFlights(1);
let rows: number[] = [];
for (let i = 0; i < flights.n; i++)
  if (departureOf(flights, i).startsWith(day) && (!opts.airport || flights.origin[i] === opts.airport)) rows.push(i);
if (opts.limit) rows = rows.slice(0, Number(opts.limit));
process.stderr.write(`${rows.length} flights depart ${day}${opts.airport ? ` from ${opts.airport}` : ""}\n`);

// Offline: the same flights' features at lead 1 h, through the serving path's code with context.json.
const paths = pathsFor(undefined);
const manifest = JSON.parse(readFileSync(join(paths.version, "manifest.json"), "utf8"));
const params = FlightsParamsSchema.parse(manifest.preprocess.params);
const lookup = lookupFromEntries(readContextFile(join(paths.artifacts, "context.json")));
const x = new Float32Array(rows.length * F);
const y = new Uint8Array(rows.length);
rows.forEach((i, r) => {
  const q = parseFlight(requestRow(flights, i), `row ${i}`);
  x.set(buildFeatures(q, lookup, params, asOfAt(flights, i, LEAD)).features, r * F);
  y[r] = isLate(flights, i) ? 1 : 0;
});
if (opts["check-export"]) {
  // The log's features against the offline ones, as float32 bits, for every logged row of these flights.
  const { parquetReadObjects } = await import("hyparquet");
  const buf = readFileSync(opts["check-export"]);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const since = opts.since ? Date.parse(opts.since) : Number.NEGATIVE_INFINITY;
  type Logged = { key: string | null; features: number[]; time: Date | string };
  const logged = ((await parquetReadObjects({ file })) as Logged[]).filter((r) => new Date(r.time).getTime() >= since);
  const index = new Map(rows.map((i, r) => [`2001-row-${i}`, r]));
  let compared = 0;
  let differing = 0;
  const covered = new Set<number>();
  for (const row of logged) {
    const r = row.key === null ? undefined : index.get(row.key);
    if (r === undefined) continue;
    compared++;
    covered.add(r);
    const offline = x.subarray(r * F, (r + 1) * F);
    const served = Float32Array.from(row.features);
    if (served.length !== F || served.some((v, j) => !Object.is(v, offline[j]))) differing++;
  }
  const summary = {
    logged_rows: logged.length,
    rows_of_these_flights: compared,
    flights_covered: covered.size,
    differing,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.exit(differing === 0 && compared > 0 ? 0 : 1);
}
await cpuBackend();
const offline = predict(await loadModel(paths.version), { rows: rows.length, cols: F, x, y });
const offlineAuc = auc(offline, y);

// Live: one v1 request per as_of (flights departing the same minute share one), key = flight id.
const byAsOf = new Map<string, number[]>();
for (const i of rows) {
  const asOf = asOfAt(flights, i, LEAD)!.text;
  byAsOf.set(asOf, [...(byAsOf.get(asOf) ?? []), i]);
}
const served = new Map<number, number>();
const t0 = performance.now();
for (const [asOf, group] of byAsOf) {
  const instances = group.map((i) => ({ ...requestRow(flights, i), key: `2001-row-${i}` }));
  let res: Response;
  for (;;) {
    res = await fetch(`${opts.url}/v1/models/flights:predict`, {
      method: "POST",
      headers,
      body: JSON.stringify({ instances, as_of: asOf }),
    });
    // 429: the local rate limit; 503: wrangler dev restarting, or an object busy. Both: try again.
    if (res.status !== 429 && res.status !== 503) break;
    await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? 5) * 1000));
  }
  if (!res.ok) throw new Error(`predict at ${asOf}: ${res.status} ${await res.text()}`);
  const { predictions } = (await res.json()) as { predictions: Array<{ delay_probability: number; key: string }> };
  predictions.forEach((p, k) => served.set(group[k]!, p.delay_probability));
}
const askSeconds = (performance.now() - t0) / 1000;
process.stderr.write(`asked ${served.size} flights in ${byAsOf.size} requests (${askSeconds.toFixed(1)} s)\n`);
const servedScores = Float32Array.from(rows, (i) => served.get(i)!);
let maxDiff = 0;
servedScores.forEach((s, r) => (maxDiff = Math.max(maxDiff, Math.abs(s - offline[r]!))));

// Wait for the consumer and the Monitor object to join them.
type Report = { count: number; joined: number; binary: { auc: number | null; auc_bound: number | null } | null };
let report: Report | undefined;
const deadline = Date.now() + Number(opts.wait) * 1000;
let last = -1;
for (;;) {
  const res = await fetch(`${opts.url}/v2/models/flights/quality`, { headers });
  const doc = (await res.json()) as {
    reports: Array<{ version: number; arm: string; window: string; report: Report }>;
  };
  report = doc.reports.find((r) => r.window === opts.window && r.arm === "default")?.report;
  const joined = report?.joined ?? 0;
  process.stderr.write(`  quality: ${report?.count ?? 0} predictions, ${joined} joined\n`);
  if ((joined >= rows.length || (joined === last && joined > 0)) && joined > 0) break;
  if (Date.now() > deadline) break;
  last = joined;
  await new Promise((r) => setTimeout(r, 5000));
}
const liveAuc = report?.binary?.auc ?? Number.NaN;
const result = {
  day,
  flights: rows.length,
  requests: byAsOf.size,
  served_vs_offline_max_abs_score_diff: maxDiff,
  offline_auc_lead_1h: offlineAuc,
  live: { predictions: report?.count, joined: report?.joined, auc: liveAuc, auc_bound: report?.binary?.auc_bound },
  exact_auc_of_served_scores: auc(servedScores, y),
  difference: Math.abs(liveAuc - offlineAuc),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (!(result.difference <= Number(opts.tolerance))) {
  process.stderr.write(`live AUC differs from offline by more than ${opts.tolerance}\n`);
  process.exit(1);
}
