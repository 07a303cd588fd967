/**
 * Step 2 of the flights pipeline: train the MLP (and the no-context ablation), choose the
 * decision threshold on validation, write the artifact and its manifest.
 *   npm run model:train -- [--out DIR] [--max-rows N] [--epochs N] ...
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ManifestInput, ManifestSchema } from "../../src/core/models/manifest.ts";
import { FEATURE_NAMES, FlightsParamsSchema, STATIC_FEATURE_NAMES } from "../../src/pipelines/flights/index.ts";
import { cli, intOption, pathsFor, permutation, rng, step } from "./cli.ts";
import { type CacheMeta, F, loadMatrix, type Matrix, selectColumns, takeRows } from "./dataset.ts";
import { auc, logLoss, maxF1Threshold, round } from "./metrics.ts";
import { buildModel, cpuBackend, type EpochLog, loadModel, predict, saveModel, train } from "./model.ts";
import { flightsMonitoring } from "./monitoring.ts";

const USAGE = `
usage: npm run model:train -- [options]

Trains the flights MLP on the cached train matrix (run features.ts first), early-stops on
the validation days, picks the max-F1 threshold there, and writes model.json, the shard and
manifest.json to model/artifacts/flights/1/, plus the ablation model (request and static
context features only, same recipe) to model/artifacts/flights/ablation-static-context/.

  --out DIR          read DIR/cache, write DIR/artifacts/flights (as features.ts --out)
  --max-rows N       seeded subsample of the train rows (default 400000)
  --epochs N         maximum epochs (default 12)
  --patience N       epochs without a better validation log loss before stopping (default 2)
  --batch-size N     (default 1024)
  --hidden A,B       hidden layer widths (default 64,32)
  --seed N           seed of init, subsample and shuffles (default 42)
  --only WHICH       "main" or "ablation" (default both)
  -h, --help         this text

examples:
  npm run model:train                     (after model:features; epochs show progress bars)
  npm run model:train -- --epochs 3 --only main --out /tmp/flights
`;

const opts = cli(USAGE, {
  out: { type: "string" },
  "max-rows": { type: "string" },
  epochs: { type: "string" },
  patience: { type: "string" },
  "batch-size": { type: "string" },
  hidden: { type: "string" },
  seed: { type: "string" },
  only: { type: "string" },
});
const paths = pathsFor(opts.out);
const seed = intOption(opts.seed, "seed", 42);
const maxRows = intOption(opts["max-rows"], "max-rows", 400_000);
const hidden = (opts.hidden ?? "64,32").split(",").map((s) => intOption(s, "hidden", 0));
const recipe = {
  epochs: intOption(opts.epochs, "epochs", 12),
  patience: intOption(opts.patience, "patience", 2),
  batchSize: intOption(opts["batch-size"], "batch-size", 1024),
  learningRate: 0.001,
  seed,
};
const THRESHOLD_RULE = "max F1 on the validation days (2001-05-25..2001-05-31)";
const t0 = performance.now();

await cpuBackend();
const meta = JSON.parse(readFileSync(join(paths.cache, "meta.json"), "utf8")) as CacheMeta;
if (meta.feature_names.join() !== FEATURE_NAMES.join())
  throw new Error("cache was built with other features; rerun features.ts");
const full = loadMatrix(paths.cache, "train");
const val = loadMatrix(paths.cache, "validation");
const trainRows =
  full.rows > maxRows ? takeRows(full, permutation(full.rows, rng(seed)).subarray(0, maxRows).sort()) : full;
process.stderr.write(`train ${trainRows.rows} of ${full.rows} rows, validation ${val.rows} rows, ${F} features\n`);

interface Trained {
  threshold: number;
  history: EpochLog[];
  validation: { auc: number; log_loss: number };
  files: Record<string, string>;
  tensors: { input: string; output: string };
}

/** Trains one model on the given columns and saves it to `dir`. */
async function fit(label: string, names: readonly string[], dir: string): Promise<Trained> {
  const cols = (m: Matrix) => (names.length === F ? m : selectColumns(m, names));
  const data = cols(trainRows);
  const v = cols(val);
  const model = buildModel(names.length, { hidden, seed });
  const history = await train(model, data, v, { ...recipe, label });
  const p = predict(model, v);
  const threshold = round(maxF1Threshold(p, v.y));
  const files = await saveModel(model, dir);
  model.dispose();
  // Load the written files back; the signature's tensor names are the names tfjs reports for
  // the model's inputs/outputs (layer names: stable, unlike symbolic tensor names such as
  // "features_1", which carry a per-process counter).
  const loaded = await loadModel(dir);
  const tensors = { input: loaded.inputNames[0]!, output: loaded.outputNames[0]! };
  const pBack = predict(loaded, v);
  if (pBack.some((x, i) => x !== p[i])) throw new Error(`${label}: reloaded model predicts differently`);
  loaded.dispose();
  const validation = { auc: round(auc(p, v.y)), log_loss: round(logLoss(p, v.y)) };
  process.stderr.write(
    `✓ ${label}: validation AUC ${validation.auc} log loss ${validation.log_loss}, threshold ${threshold}, tensors ${JSON.stringify(tensors)}\n`,
  );
  return { threshold, history, validation, files, tensors };
}

const only = opts.only;
if (only !== undefined && only !== "main" && only !== "ablation")
  throw new Error(`--only: "main" or "ablation", got ${only}`);
const training = {
  rows: trainRows.rows,
  hidden,
  max_epochs: recipe.epochs,
  patience: recipe.patience,
  batch_size: recipe.batchSize,
  learning_rate: recipe.learningRate,
  seed,
};

if (only !== "ablation") {
  const main = await step("train main model", () => fit("main", FEATURE_NAMES, paths.version));
  const params = FlightsParamsSchema.parse({
    ...meta.params,
    threshold: main.threshold,
    threshold_rule: THRESHOLD_RULE,
    data: {
      ...meta.params.data,
      training: { ...training, epochs_run: main.history.length, validation: main.validation },
    },
  });
  const manifest: ManifestInput = {
    name: "flights",
    version: 1,
    format: "layers-model",
    description:
      "Probability that a US domestic flight arrives more than 15 minutes late, from origin, destination, local departure time and distance, enriched with airport and route history and the same-day live context known at the prediction time (as_of) from KV. Trained on Apr–May 2001 at lead times 0-3 h; see model/flights/MODEL_CARD.md.",
    signature_name: "serving_default",
    signature: {
      inputs: [
        {
          name: "features",
          tensor: main.tensors.input,
          dtype: "float32",
          shape: [-1, F],
          description: `Scaled features in the order of preprocess.params.feature_names (${F}).`,
        },
      ],
      outputs: [
        {
          name: "delay_probability",
          tensor: main.tensors.output,
          dtype: "float32",
          shape: [-1, 1],
          description: "P(arrival delay > 15 min).",
        },
      ],
    },
    files: main.files,
    preprocess: { kind: "flights", params },
    passthrough: ["key"],
    monitoring: flightsMonitoring(full),
  };
  const parsed = ManifestSchema.parse(manifest);
  writeFileSync(join(paths.version, "manifest.json"), JSON.stringify(parsed, null, 2) + "\n");
  writeFileSync(join(paths.cache, "history-main.json"), JSON.stringify(main.history, null, 2) + "\n");
}

if (only !== "main") {
  const ab = await step("train ablation (static context only)", () =>
    fit("ablation", STATIC_FEATURE_NAMES, paths.ablation),
  );
  const info = {
    description:
      "Ablation: the same recipe on the request features and the static airport/route context only (no live context, no lead time). Used by evaluate.ts.",
    feature_names: STATIC_FEATURE_NAMES,
    threshold: ab.threshold,
    threshold_rule: THRESHOLD_RULE,
    files: ab.files,
    training: { ...training, epochs_run: ab.history.length, validation: ab.validation },
  };
  writeFileSync(join(paths.ablation, "ablation.json"), JSON.stringify(info, null, 2) + "\n");
  writeFileSync(join(paths.cache, "history-ablation.json"), JSON.stringify(ab.history, null, 2) + "\n");
}
process.stderr.write(`train done in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${paths.artifacts}\n`);
