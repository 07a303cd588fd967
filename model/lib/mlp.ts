/**
 * The one-hidden-layer binary classifier the declared-context walk-throughs train (seattle_weather,
 * quakes): `features` [WIDTH] -> Dense(relu, `hidden1`) -> Dense(sigmoid, `output`), Glorot-uniform
 * kernels seeded `seed` and `seed + 1`, Adam on binary cross-entropy, fitted in the given order
 * (no shuffle), so a fixed seed and order give the same weights.
 */
import type * as tfjs from "@tensorflow/tfjs";

export interface BinaryMlp {
  /** The model's name in its artifact. */
  name: string;
  /** The output layer's (and tensor's) name, e.g. `rain_probability`. */
  output: string;
  width: number;
  hidden: number;
  seed: number;
  learningRate: number;
  epochs: number;
}

/** Builds, compiles and fits the classifier on `x` ([rows x width], row-major) and `y` (0/1 per row). */
export async function fitBinaryMlp(
  tf: typeof tfjs,
  spec: BinaryMlp,
  x: Float32Array,
  y: Float32Array,
): Promise<tfjs.LayersModel> {
  const input = tf.input({ shape: [spec.width], name: "features", dtype: "float32" });
  const hidden = tf.layers
    .dense({
      units: spec.hidden,
      activation: "relu",
      name: "hidden1",
      kernelInitializer: tf.initializers.glorotUniform({ seed: spec.seed }),
    })
    .apply(input) as tfjs.SymbolicTensor;
  const output = tf.layers
    .dense({
      units: 1,
      activation: "sigmoid",
      name: spec.output,
      kernelInitializer: tf.initializers.glorotUniform({ seed: spec.seed + 1 }),
    })
    .apply(hidden) as tfjs.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: spec.name });
  model.compile({ optimizer: tf.train.adam(spec.learningRate), loss: "binaryCrossentropy" });
  const xs = tf.tensor2d(x, [y.length, spec.width]);
  const ys = tf.tensor2d(y, [y.length, 1]);
  await model.fit(xs, ys, { epochs: spec.epochs, batchSize: 32, shuffle: false, verbose: 0 });
  xs.dispose();
  ys.dispose();
  return model;
}
