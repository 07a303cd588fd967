/**
 * Step 1 of the flights pipeline: statistics, KV context file, feature matrices.
 *   npm run model:features -- [--limit N] [--out DIR]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FEATURE_NAMES, lookupFromEntries } from "../../src/pipelines/flights/index.ts";
import { cli, intOption, pathsFor, rng, step } from "./cli.ts";
import {
  buildCongestion,
  buildStats,
  contextEntries,
  contextParams,
  memoryLookup,
  writeContextFile,
} from "./context.ts";
import { LATE_MINUTES, loadAirports, loadFlights, PARQUET, PERIODS, rowsIn, strideFor } from "./data.ts";
import { type CacheMeta, rawMatrix, saveMatrix, scaleMatrix, scalingOf } from "./dataset.ts";

const USAGE = `
usage: npm run model:features -- [--limit N] [--out DIR]

Reads ${PARQUET}, builds the Jan–Mar airport/route statistics, the June KV context file
and the scaled feature matrices (train Apr 1–May 24, validation May 25–31, test June).

  --limit N   use about N rows of the 3M (every floor(3M/N)-th row; for tests)
  --out DIR   write everything under DIR (cache/, artifacts/flights/context.json)
              instead of model/flights/.cache and model/artifacts/flights
  -h, --help  this text

examples:
  npm run model:features                 (all 3M rows: a few minutes, progress on stderr)
  npm run model:features -- --limit 50000 --out /tmp/flights
`;

/** Share of train rows built without cong: keys (context dropout). */
const CONGESTION_DROPOUT = 0.1;
/** Train and validation rows are predicted at a seeded lead time, uniform in [0, MAX_LEAD] minutes. */
const MAX_LEAD = 180;

const opts = cli(USAGE, { limit: { type: "string" }, out: { type: "string" } });
const stride = strideFor(opts.limit === undefined ? undefined : intOption(opts.limit, "limit", 0));
const paths = pathsFor(opts.out);
const t0 = performance.now();

const flights = await step(`read ${stride === 1 ? "all rows" : `every ${stride}th row`}`, () => loadFlights(stride));
const airports = loadAirports([...flights.origin, ...flights.destination]);
const rows = {
  stats: rowsIn(flights, "stats"),
  train: rowsIn(flights, "train"),
  validation: rowsIn(flights, "validation"),
  test: rowsIn(flights, "test"),
};
const outside = flights.n - rows.stats.length - rows.train.length - rows.validation.length - rows.test.length;
process.stderr.write(`  ${flights.n} rows; ${outside} outside Jan–Jun (dropped)\n`);

const stats = await step("airport and route statistics (Jan–Mar)", () => buildStats(flights, rows.stats, airports));
const params0 = contextParams(stats);

// One congestion build over all rows; the KV file keeps the live period (June) only.
const inJune = (date: string) => date >= PERIODS.test.from && date <= PERIODS.test.to;
const allRows = Uint32Array.from({ length: flights.n }, (_, i) => i);
const congestion = buildCongestion(flights, allRows, airports);
const liveCongestion = new Map([...congestion].filter(([key]) => inJune(key.slice(-10))));
const entries = contextEntries(stats, liveCongestion);
const contextPath = join(paths.artifacts, "context.json");
const bytes = writeContextFile(contextPath, entries);
process.stderr.write(
  `✓ ${contextPath}: ${entries.length} keys (${airports.size} ap, ${stats.routes.size} route, ${liveCongestion.size} cong), ${(bytes / 1e6).toFixed(2)} MB\n`,
);

// Train and validation read context from memory (same values, same functions); the test
// set reads the KV file exactly as the Worker does (JSON strings through readValue).
const memory = memoryLookup(stats, congestion);
const kvFile = lookupFromEntries(entries);

// Context dropout: a seeded share of the train rows is built without the cong: keys, so
// the model also learns the "no live data" case (dates outside the live period).
const hide = new Uint8Array(rows.train.length);
const random = rng(7);
for (let r = 0; r < hide.length; r++) hide[r] = random() < CONGESTION_DROPOUT ? 1 : 0;
const leads = (n: number, seed: number) => {
  const r = rng(seed);
  return Uint16Array.from({ length: n }, () => Math.floor(r() * (MAX_LEAD + 1)));
};
const trainLead = leads(rows.train.length, 11);
const valLead = leads(rows.validation.length, 13);
const rawTrain = rawMatrix(flights, rows.train, memory, params0, "features train", hide, (r) => trainLead[r]);
const scaling = scalingOf(rawTrain);
const rawVal = rawMatrix(
  flights,
  rows.validation,
  memory,
  params0,
  "features validation",
  undefined,
  (r) => valLead[r],
);
// The test set at lead 0 (as_of = the departure), as evaluate.ts recomputes it through the KV file.
const rawTest = rawMatrix(flights, rows.test, kvFile, params0, "features test (KV)", undefined, () => 0);

const sets = { train: rawTrain, validation: rawVal, test: rawTest };
const meta: CacheMeta = {
  stride,
  feature_names: [...FEATURE_NAMES],
  params: {
    ...params0,
    feature_names: [...FEATURE_NAMES],
    scaling,
    data: {
      source: "vega-datasets 3.2.1 data/flights-3m.parquet (US domestic flights, Jan–Jun 2001)",
      label: `arrival delay > ${LATE_MINUTES} min`,
      periods: PERIODS,
      row_stride: stride,
      congestion_dropout: CONGESTION_DROPOUT,
      lead_minutes: { train: `uniform 0..${MAX_LEAD}`, validation: `uniform 0..${MAX_LEAD}`, test_cache: 0 },
      rows: { stats: rows.stats.length, train: rawTrain.rows, validation: rawVal.rows, test: rawTest.rows },
    },
  },
  sets: Object.fromEntries(
    Object.entries(sets).map(([k, m]) => [
      k,
      { rows: m.rows, late: m.y.reduce((a, b) => a + b, 0), missing: m.missing },
    ]),
  ) as CacheMeta["sets"],
  context: {
    keys: entries.length,
    bytes,
    airports: airports.size,
    routes: stats.routes.size,
    congestion: liveCongestion.size,
  },
};

await step("write cache", () => {
  for (const [name, m] of Object.entries(sets)) saveMatrix(paths.cache, name, scaleMatrix(m, scaling));
  mkdirSync(paths.cache, { recursive: true });
  writeFileSync(join(paths.cache, "meta.json"), JSON.stringify(meta, null, 2) + "\n");
});
for (const [name, s] of Object.entries(meta.sets)) {
  process.stderr.write(
    `  ${name.padEnd(10)} ${String(s.rows).padStart(7)} rows, late ${((100 * s.late) / s.rows).toFixed(1)}%, missing ${JSON.stringify(s.missing)}\n`,
  );
}
process.stderr.write(`features done in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${paths.cache}\n`);
