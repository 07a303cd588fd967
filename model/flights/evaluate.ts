/**
 * Step 3 of the flights pipeline: June metrics of the committed artifact, computed the way
 * the Worker serves (raw rows -> parseFlight -> buildFeatures with the KV context file and
 * the manifest's params -> model), plus the no-context ablation, single-feature AUCs, the
 * evaluation plot and the parity fixture.
 *   npm run model:evaluate -- [--out DIR]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ManifestSchema } from "../../src/core/models/manifest.ts";
import {
  buildFeatures,
  type ContextLookup,
  contextKeys,
  FEATURE_NAMES,
  type FlightsParams,
  FlightsParamsSchema,
  lookupFromEntries,
  parseFlight,
} from "../../src/pipelines/flights/index.ts";
import { bar, cli, intOption, pathsFor, permutation, rng, step } from "./cli.ts";
import { readContextFile } from "./context.ts";
import { type Flights, isLate, loadFlights, PERIODS, requestRow, rowsIn } from "./data.ts";
import { type CacheMeta, F, loadMatrix, type Matrix, selectColumns, withoutCongestion } from "./dataset.ts";
import { auc, calibration, rocCurve, round, summary } from "./metrics.ts";
import { cpuBackend, fileHashes, loadModel, predict } from "./model.ts";
import { evaluationSvg } from "./plot.ts";

const USAGE = `
usage: npm run model:evaluate -- [--out DIR] [--fixture-size N]

Evaluates model/artifacts/flights/1 on June 2001 exactly as the Worker would compute its
inputs (context from model/artifacts/flights/context.json, params from manifest.json), and
writes metrics.json, evaluation.svg and the parity fixture
test/fixtures/flights-june-sample.json. Needs only the committed artifacts (and the parquet
from node_modules); the row stride is read from the manifest.

  --out DIR          read and write under DIR (as features.ts/train.ts --out)
  --fixture-size N   June flights in the fixture (default 200; 6 edge cases are added)
  -h, --help         this text

examples:
  npm run model:evaluate
  npm run model:evaluate -- --out /tmp/flights --fixture-size 50
`;

const opts = cli(USAGE, { out: { type: "string" }, "fixture-size": { type: "string" } });
const paths = pathsFor(opts.out);
const fixtureSize = intOption(opts["fixture-size"], "fixture-size", 200);
const t0 = performance.now();

await cpuBackend();

// The artifact: manifest, params, and the files it vouches for.
const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(paths.version, "manifest.json"), "utf8")));
if (manifest.preprocess?.kind !== "flights") throw new Error('manifest: preprocess.kind must be "flights"');
const params: FlightsParams = FlightsParamsSchema.parse(manifest.preprocess.params);
const hashes = fileHashes(paths.version);
for (const [file, sha] of Object.entries(manifest.files)) {
  if (hashes[file] !== sha) throw new Error(`manifest: sha256 of ${file} does not match the file`);
}
const ablationInfo = JSON.parse(readFileSync(join(paths.ablation, "ablation.json"), "utf8")) as {
  feature_names: string[];
  threshold: number;
};
const stride = Number((params.data?.row_stride as number | undefined) ?? 1);

const flights = await step("read parquet", () => loadFlights(stride));
const june = rowsIn(flights, "test");
const entries = readContextFile(join(paths.artifacts, "context.json"));
const lookup = lookupFromEntries(entries);

/** Columns fed by the same-day congestion series (cong: keys). */
const CONGESTION_COLUMNS = FEATURE_NAMES.flatMap((n, j) => (/_(recent|today|inbound)_/.test(n) ? [j] : []));

/**
 * June features through the serving path. With `staleHours` > 0 the congestion columns are
 * computed as if the flight were `staleHours` earlier (windows end that much sooner): a
 * sensitivity check of how much the model relies on the most recent hour.
 */
function servingMatrix(
  f: Flights,
  rows: Uint32Array,
  ctx: ContextLookup,
  staleHours = 0,
): { m: Matrix; missing: Record<string, number> } {
  const x = new Float32Array(rows.length * F);
  const y = new Uint8Array(rows.length);
  const missing: Record<string, number> = { ap: 0, route: 0, cong: 0, any: 0 };
  const progress = bar(staleHours ? `features June (-${staleHours} h)` : "features June (KV)", rows.length);
  for (let r = 0; r < rows.length; r++) {
    const q = parseFlight(requestRow(f, rows[r]!), `row ${rows[r]}`);
    const res = buildFeatures(q, ctx, params);
    if (staleHours) {
      const stale = buildFeatures({ ...q, hour: q.hour - staleHours }, ctx, params).features;
      for (const j of CONGESTION_COLUMNS) res.features[j] = stale[j]!;
    }
    x.set(res.features, r * F);
    y[r] = isLate(f, rows[r]!) ? 1 : 0;
    const kinds = new Set(res.missing.map((k) => k.slice(0, k.indexOf(":"))));
    for (const k of kinds) missing[k]!++;
    if (kinds.size) missing.any!++;
    if (r % 20_000 === 0) progress.update(r);
  }
  progress.update(rows.length);
  progress.stop();
  return { m: { rows: rows.length, cols: F, x, y }, missing };
}
const { m: test, missing } = servingMatrix(flights, june, lookup);

// Parity with what features.ts cached (same rows, in-pipeline path), when the cache exists.
const metaPath = join(paths.cache, "meta.json");
if (existsSync(metaPath) && (JSON.parse(readFileSync(metaPath, "utf8")) as CacheMeta).stride === stride) {
  const cached = loadMatrix(paths.cache, "test");
  let maxDiff = cached.rows === test.rows ? 0 : Infinity;
  for (let i = 0; i < test.x.length && maxDiff !== Infinity; i++)
    maxDiff = Math.max(maxDiff, Math.abs(test.x[i]! - cached.x[i]!));
  process.stderr.write(`  parity with cached test features: max |diff| = ${maxDiff}\n`);
  if (maxDiff > 1e-6) throw new Error("evaluate: serving-path features differ from the cached ones");
}

const model = await loadModel(paths.version);
const ablation = await loadModel(paths.ablation);
const p = await step("predict June (with context)", () => predict(model, test));
const testAb = selectColumns(test, ablationInfo.feature_names);
const pAb = await step("predict June (no context)", () => predict(ablation, testAb));

const stale = servingMatrix(flights, june, lookup, 1).m;
const pStale = await step("predict June (congestion 1 h staler)", () => predict(model, stale));
const noCongestion = servingMatrix(flights, june, withoutCongestion(lookup)).m;
const pNoCongestion = await step("predict June (no cong: keys)", () => predict(model, noCongestion));

const single = FEATURE_NAMES.map((name, j) => {
  const col = new Float64Array(test.rows);
  for (let r = 0; r < test.rows; r++) col[r] = test.x[r * F + j]!;
  const a = auc(col, test.y);
  return { feature: name, auc: round(a), auc_either_direction: round(Math.max(a, 1 - a)) };
});
const best = [...single].sort((a, b) => b.auc_either_direction - a.auc_either_direction)[0]!;

const withContext = summary(p, test.y, params.threshold);
const withoutContext = summary(pAb, test.y, ablationInfo.threshold);
const metrics = {
  model: { name: manifest.name, version: manifest.version, files: manifest.files },
  test: { period: PERIODS.test, rows: test.rows, row_stride: stride, missing_context_rows: missing },
  threshold_rule: params.threshold_rule,
  with_context: { ...withContext, calibration: calibration(p, test.y) },
  without_context: {
    description: "ablation: same recipe, request features only (distance, time of day, day of week)",
    ...withoutContext,
    calibration: calibration(pAb, test.y),
  },
  sensitivity: {
    congestion_one_hour_staler: {
      description:
        "same model, congestion windows ending one hour before the flight's hour instead of at it ([h-4, h-1) and [0, h-1)): a bound on how much the last hour's (not yet fully known) outcomes matter",
      ...summary(pStale, test.y, params.threshold),
    },
    congestion_missing: {
      description:
        "same model, every cong: key absent (as for dates outside the live period): airport and route context only, congestion at its defaults",
      ...summary(pNoCongestion, test.y, params.threshold),
    },
  },
  best_single_feature: { ...best, description: "AUC of one feature as the score (max of AUC and 1-AUC)" },
  single_feature_auc: single,
  validation: (params.data?.training as { validation?: unknown } | undefined)?.validation ?? null,
};
writeFileSync(join(paths.artifacts, "metrics.json"), JSON.stringify(metrics, null, 2) + "\n");

const svg = await step("plot", () =>
  evaluationSvg(
    [
      {
        model: "with KV context",
        auc: withContext.auc,
        roc: rocCurve(p, test.y),
        calibration: metrics.with_context.calibration,
      },
      {
        model: "no context (ablation)",
        auc: withoutContext.auc,
        roc: rocCurve(pAb, test.y),
        calibration: metrics.without_context.calibration,
      },
    ],
    `flights delay model, June 2001 (${test.rows} flights, ${(100 * withContext.base_rate).toFixed(1)}% late)`,
  ),
);
writeFileSync(join(paths.artifacts, "evaluation.svg"), svg);

// Parity fixture: sampled June flights plus edge cases, with features and Node probabilities.
const sample = [...permutation(june.length, rng(2001)).subarray(0, Math.min(fixtureSize, june.length))].sort(
  (a, b) => a - b,
);
const routeMissing = [...june].find(
  (i) => lookup(`route:${flights.origin[i]}-${flights.destination[i]}`) === undefined,
);
const edge: { note: string; row: Record<string, unknown>; label: number | null }[] = [
  {
    note: "lower-case codes are normalised",
    row: { origin: "sfo", destination: "lax", departure: "2001-06-15T08:30", distance: 337 },
    label: null,
  },
  {
    note: "unknown destination airport: ap, route and cong defaulted",
    row: { origin: "SFO", destination: "XYZ", departure: "2001-06-15T08:30", distance: 500 },
    label: null,
  },
  {
    note: "outside the live period: no congestion in KV",
    row: { origin: "ORD", destination: "LGA", departure: "2001-07-04T17:05", distance: 733 },
    label: null,
  },
  {
    note: "just after midnight: empty windows",
    row: { origin: "LAX", destination: "JFK", departure: "2001-06-15T00:05", distance: 2475 },
    label: null,
  },
  {
    note: "east to west: destination hours shifted by -3",
    row: { origin: "JFK", destination: "SFO", departure: "2001-06-15T08:30", distance: 2586 },
    label: null,
  },
];
if (routeMissing !== undefined) {
  edge.push({
    note: "route not in KV: origin rate applies",
    row: requestRow(flights, routeMissing),
    label: isLate(flights, routeMissing) ? 1 : 0,
  });
}
const cases = [
  ...sample.map((k) => ({
    note: "june",
    row: requestRow(flights, june[k]!) as Record<string, unknown>,
    label: test.y[k]! as number | null,
  })),
  ...edge,
].map((c, n) => {
  const q = parseFlight(c.row, `cases[${n}].row`);
  const res = buildFeatures(q, lookup, params);
  return { ...c, keys: contextKeys(q), features: res.features, missing: res.missing, context: res.context };
});
const caseMatrix: Matrix = {
  rows: cases.length,
  cols: F,
  x: Float32Array.from(cases.flatMap((c) => c.features)),
  y: new Uint8Array(cases.length),
};
const caseP = predict(model, caseMatrix);
const fixture = {
  description:
    "Parity reference for the flights model: raw request rows, the feature vector the Node pipeline computed (src/pipelines/flights buildFeatures with model/artifacts/flights/context.json and the manifest's params) and the probability tf.loadLayersModel gives in Node. The Worker must reproduce features and probability to 1e-6.",
  model: { name: manifest.name, version: manifest.version, files: manifest.files },
  context_file: "model/artifacts/flights/context.json",
  tolerance: 1e-6,
  feature_names: FEATURE_NAMES,
  threshold: params.threshold,
  cases: cases.map((c, n) => ({ ...c, probability: caseP[n]! })),
};
mkdirSync(dirname(paths.fixture), { recursive: true });
// One case per line keeps the file small and its diffs readable.
const { cases: fixtureCases, ...head } = fixture;
const headText = JSON.stringify(head, null, 2);
writeFileSync(
  paths.fixture,
  `${headText.slice(0, -2)},\n  "cases": [\n${fixtureCases.map((c) => "    " + JSON.stringify(c)).join(",\n")}\n  ]\n}\n`,
);

model.dispose();
ablation.dispose();
const fmt = (s: typeof withContext) =>
  `AUC ${s.auc.toFixed(4)}  log loss ${s.log_loss.toFixed(4)}  accuracy ${s.at_threshold.accuracy.toFixed(4)}  precision ${s.at_threshold.precision.toFixed(3)}  recall ${s.at_threshold.recall.toFixed(3)}  @${s.at_threshold.threshold}`;
process.stderr.write(
  `June ${test.rows} flights, late ${(100 * withContext.base_rate).toFixed(1)}%\n` +
    `  with context    ${fmt(withContext)}\n` +
    `  without context ${fmt(withoutContext)}\n` +
    `  congestion 1 h staler AUC ${metrics.sensitivity.congestion_one_hour_staler.auc.toFixed(4)}, cong: keys missing AUC ${metrics.sensitivity.congestion_missing.auc.toFixed(4)}\n` +
    `  best single feature ${best.feature} AUC ${best.auc_either_direction}\n` +
    `evaluate done in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${paths.artifacts}/metrics.json, evaluation.svg, ${paths.fixture}\n`,
);
