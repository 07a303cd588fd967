/**
 * Step 3 of the flights pipeline: June metrics of the committed artifact, computed the way
 * the Worker serves (raw rows -> parseFlight -> buildFeatures with the KV context file and
 * the manifest's params -> model), plus the no-context ablation, single-feature AUCs, the
 * evaluation plot and the parity fixture.
 *   npm run model:evaluate -- [--out DIR]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { formatInstant } from "../../src/core/context/time.ts";
import { ManifestSchema } from "../../src/core/models/manifest.ts";
import {
  AirportValueSchema,
  buildFeatures,
  type ContextLookup,
  contextKeys,
  FEATURE_NAMES,
  type FlightsParams,
  FlightsParamsSchema,
  localText,
  lookupFromEntries,
  parseAsOf,
  parseFlight,
  utcOffsetOn,
} from "../../src/pipelines/flights/index.ts";
import { bar, cli, intOption, pathsFor, permutation, rng, step } from "./cli.ts";
import { readContextFile } from "./context.ts";
import { departureOf, type Flights, isLate, loadFlights, PERIODS, requestRow, rowsIn } from "./data.ts";
import { asOfAt, type CacheMeta, F, loadMatrix, type Matrix, selectColumns, withoutCongestion } from "./dataset.ts";
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

/** The lead times (minutes before departure) June is evaluated at. */
const LEADS = [0, 60, 120, 180] as const;

/**
 * June features through the serving path (parseFlight -> buildFeatures with the KV file), each
 * flight predicted `lead` minutes before its departure (as_of = departure - lead, local time;
 * undefined: the request default, the start of the departure hour).
 */
function servingMatrix(
  f: Flights,
  rows: Uint32Array,
  ctx: ContextLookup,
  lead: number | undefined,
): { m: Matrix; missing: Record<string, number> } {
  const x = new Float32Array(rows.length * F);
  const y = new Uint8Array(rows.length);
  const missing: Record<string, number> = { ap: 0, route: 0, cong: 0, any: 0 };
  const progress = bar(`features June (lead ${lead ?? "default"})`, rows.length);
  for (let r = 0; r < rows.length; r++) {
    const q = parseFlight(requestRow(f, rows[r]!), `row ${rows[r]}`);
    const res = buildFeatures(q, ctx, params, asOfAt(f, rows[r]!, lead));
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
const { m: test, missing } = servingMatrix(flights, june, lookup, 0);

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

const byLead: Record<string, ReturnType<typeof summary>> = {};
for (const lead of LEADS) {
  const m = lead === 0 ? test : servingMatrix(flights, june, lookup, lead).m;
  byLead[`${lead / 60}h`] = summary(
    await step(`predict June (lead ${lead} min)`, () => predict(model, m)),
    test.y,
    params.threshold,
  );
}
const byDefault = servingMatrix(flights, june, lookup, undefined).m;
const pDefault = await step("predict June (default as_of)", () => predict(model, byDefault));
const noCongestion = servingMatrix(flights, june, withoutCongestion(lookup), 0).m;
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
  with_context: {
    description: "lead 0: as_of = the scheduled departure (the most the live context can know)",
    ...withContext,
    calibration: calibration(p, test.y),
  },
  by_lead: {
    description:
      "the same model and June flights, each predicted this long before its scheduled departure (as_of = departure - lead): live context only as known by then",
    ...byLead,
  },
  default_as_of: {
    description: "as_of absent: the documented default, the start of the departure's local hour (lead 0-59 min)",
    ...summary(pDefault, test.y, params.threshold),
  },
  without_context: {
    description:
      "ablation: same recipe, request features and the static airport/route context only (no live context, no lead time): what the model is worth without the live feed",
    ...withoutContext,
    calibration: calibration(pAb, test.y),
  },
  sensitivity: {
    congestion_missing: {
      description:
        "same model at lead 0, every cong: key absent (as for dates outside the live period): airport and route context only, live features at their defaults",
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
        model: "with live context, lead 0",
        auc: withContext.auc,
        roc: rocCurve(p, test.y),
        calibration: metrics.with_context.calibration,
      },
      {
        model: "static context only (ablation)",
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
const edge: { note: string; row: Record<string, unknown>; label: number | null; as_of?: string }[] = [
  {
    note: "as_of an ISO instant: 15:00Z is 08:00 at SFO (PDT)",
    row: { origin: "SFO", destination: "ORD", departure: "2001-06-15T09:10", distance: 1846 },
    as_of: "2001-06-15T15:00:00Z",
    label: null,
  },
  {
    note: "as_of on the day before: nothing of the departure day is settled yet",
    row: { origin: "ATL", destination: "DFW", departure: "2001-06-15T01:00", distance: 731 },
    as_of: "2001-06-14T22:30",
    label: null,
  },
  {
    note: "as_of equal to the departure (lead 0)",
    row: { origin: "ORD", destination: "LGA", departure: "2001-06-20T18:45", distance: 733 },
    as_of: "2001-06-20T18:45",
    label: null,
  },
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
// Sampled flights are asked at the default as_of (a third), or a seeded lead of 0-3 h given as
// local wall time (a third) or as a UTC instant (a third).
const pick = rng(2002);
const asOfFor = (i: number): string | undefined => {
  const kind = Math.floor(pick() * 3);
  const lead = Math.floor(pick() * 181);
  if (kind === 0) return undefined;
  const local = flights.minute[i]! - lead;
  if (kind === 1) return localText(local);
  const ap = lookup(`ap:${flights.origin[i]}`);
  const zone = ap === undefined ? undefined : AirportValueSchema.parse(typeof ap === "string" ? JSON.parse(ap) : ap);
  const day = departureOf(flights, i).slice(0, 10).split("-").map(Number) as [number, number, number];
  if (!zone) return localText(local);
  const utc = local - utcOffsetOn(zone, { year: day[0], month: day[1], day: day[2] }) * 60;
  return formatInstant(utc * 60_000);
};
const cases = [
  ...sample.map((k) => {
    const i = june[k]!;
    const as_of = asOfFor(i);
    return {
      note: "june",
      row: requestRow(flights, i) as Record<string, unknown>,
      label: test.y[k]! as number | null,
      ...(as_of === undefined ? {} : { as_of }),
    };
  }),
  ...edge,
].map((c, n) => {
  const q = parseFlight(c.row, `cases[${n}].row`);
  const res = buildFeatures(q, lookup, params, parseAsOf(c.as_of, "as_of"));
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
    "Parity reference for the flights model: raw request rows (with the request's as_of when the case has one), the feature vector the Node pipeline computed (src/pipelines/flights buildFeatures with model/artifacts/flights/context.json and the manifest's params) and the probability tf.loadLayersModel gives in Node. The Worker must reproduce features and probability to 1e-6.",
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
    `  static only     ${fmt(withoutContext)}\n` +
    `  by lead ${Object.entries(byLead)
      .map(([k, v]) => `${k} AUC ${v.auc.toFixed(4)} log loss ${v.log_loss.toFixed(4)}`)
      .join(", ")}\n` +
    `  cong: keys missing AUC ${metrics.sensitivity.congestion_missing.auc.toFixed(4)}\n` +
    `  best single feature ${best.feature} AUC ${best.auc_either_direction}\n` +
    `evaluate done in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${paths.artifacts}/metrics.json, evaluation.svg, ${paths.fixture}\n`,
);
