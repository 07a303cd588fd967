/**
 * The MLP: build (seeded), train (seeded shuffles, early stopping on validation log loss,
 * best weights restored), save in the tfjs converter layout, load back from the files.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { bar, permutation, rng } from "./cli.ts";
import { type Matrix, takeRows } from "./dataset.ts";
import { auc, logLoss, round } from "./metrics.ts";

export const SHARD = "group1-shard1of1.bin";

export async function cpuBackend(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}

export interface Architecture {
  hidden: number[];
  seed: number;
}

/** features[F] -> dense relu ... -> delay_probability (sigmoid). Layer names are fixed so files are stable. */
export function buildModel(inputs: number, arch: Architecture): tf.LayersModel {
  const input = tf.input({ shape: [inputs], name: "features", dtype: "float32" });
  let h: tf.SymbolicTensor = input;
  arch.hidden.forEach((units, k) => {
    h = tf.layers
      .dense({
        units,
        activation: "relu",
        name: `hidden${k + 1}`,
        kernelInitializer: tf.initializers.glorotUniform({ seed: arch.seed + k }),
      })
      .apply(h) as tf.SymbolicTensor;
  });
  const out = tf.layers
    .dense({
      units: 1,
      activation: "sigmoid",
      name: "delay_probability",
      kernelInitializer: tf.initializers.glorotUniform({ seed: arch.seed + 100 }),
    })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: "flights_delay" });
}

/** Probabilities for every row, in batches. */
export function predict(model: tf.LayersModel, m: Matrix, batch = 16_384): Float32Array {
  const out = new Float32Array(m.rows);
  for (let r = 0; r < m.rows; r += batch) {
    const n = Math.min(batch, m.rows - r);
    const p = tf.tidy(() => {
      const x = tf.tensor2d(m.x.subarray(r * m.cols, (r + n) * m.cols), [n, m.cols], "float32");
      return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
    out.set(p, r);
  }
  return out;
}

export interface TrainOptions {
  epochs: number;
  patience: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  label: string;
}

export interface EpochLog {
  epoch: number;
  val_log_loss: number;
  val_auc: number;
  seconds: number;
}

/**
 * Adam on binary cross-entropy, unweighted (keeps probabilities calibrated; the class
 * imbalance is handled by the decision threshold). One seeded permutation per epoch;
 * stops after `patience` epochs without a better validation log loss and restores the best.
 */
export async function train(model: tf.LayersModel, data: Matrix, val: Matrix, o: TrainOptions): Promise<EpochLog[]> {
  model.compile({ optimizer: tf.train.adam(o.learningRate), loss: "binaryCrossentropy" });
  const random = rng(o.seed);
  const history: EpochLog[] = [];
  let best = Infinity;
  let bestWeights: tf.Tensor[] | undefined;
  let stale = 0;
  const batches = Math.ceil(data.rows / o.batchSize);
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    const shuffled = takeRows(data, permutation(data.rows, random));
    const xs = tf.tensor2d(shuffled.x, [shuffled.rows, shuffled.cols], "float32");
    const ys = tf.tensor2d(Float32Array.from(shuffled.y), [shuffled.rows, 1], "float32");
    const progress = bar(`${o.label} epoch ${epoch}/${o.epochs}`, batches);
    await model.fit(xs, ys, {
      batchSize: o.batchSize,
      epochs: 1,
      shuffle: false,
      verbose: 0,
      callbacks: {
        onBatchEnd: async (b: number, logs?: tf.Logs) => {
          if (b % 20 === 0) progress.update(b + 1, { note: `loss ${logs?.loss?.toFixed(4) ?? ""}` });
        },
      },
    });
    xs.dispose();
    ys.dispose();
    const p = predict(model, val);
    const log: EpochLog = {
      epoch,
      val_log_loss: round(logLoss(p, val.y)),
      val_auc: round(auc(p, val.y)),
      seconds: round((performance.now() - t0) / 1000, 1),
    };
    progress.update(batches, { note: `val loss ${log.val_log_loss.toFixed(4)} auc ${log.val_auc.toFixed(4)}` });
    progress.stop();
    if (!process.stderr.isTTY) process.stderr.write(`  ${o.label} epoch ${epoch}: ${JSON.stringify(log)}\n`);
    history.push(log);
    if (log.val_log_loss < best - 1e-5) {
      best = log.val_log_loss;
      bestWeights?.forEach((w) => w.dispose());
      bestWeights = model.getWeights().map((w) => w.clone());
      stale = 0;
    } else if (++stale >= o.patience) break;
  }
  if (bestWeights) {
    model.setWeights(bestWeights);
    bestWeights.forEach((w) => w.dispose());
  }
  return history;
}

export const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/** Writes model.json (format "layers-model", weightsManifest) + one shard; returns sha256 by file name. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<Record<string, string>> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error("model.save gave no weights");
  const data = artifacts.weightData;
  const weights = new Uint8Array(Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data);
  const modelJson = JSON.stringify({
    format: "layers-model",
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [SHARD], weights: artifacts.weightSpecs }],
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.json"), modelJson);
  writeFileSync(join(dir, SHARD), weights);
  return { "model.json": sha256(modelJson), [SHARD]: sha256(weights) };
}

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Loads model.json + shards from a directory with tf.loadLayersModel (no tfjs-node needed). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as ModelJson;
  const handler: tf.io.IOHandler = {
    load: async () => {
      const buffers = json.weightsManifest.flatMap((g) =>
        g.paths.map((p) => {
          const b = readFileSync(join(dir, p));
          return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
        }),
      );
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: tf.io.concatenateArrayBuffers(buffers),
        ...(json.format ? { format: json.format } : {}),
        ...(json.generatedBy ? { generatedBy: json.generatedBy } : {}),
      };
    },
  };
  return tf.loadLayersModel(handler);
}

/** sha256 of every file of a saved model (model.json and its shards). */
export function fileHashes(dir: string): Record<string, string> {
  const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as ModelJson;
  const out: Record<string, string> = { "model.json": sha256(readFileSync(join(dir, "model.json"))) };
  for (const p of json.weightsManifest.flatMap((g) => g.paths)) out[p] = sha256(readFileSync(join(dir, p)));
  return out;
}
