/** Selects the TF.js backend before any model is loaded (skips TF.js' WebGL probe). */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

export async function ensureBackend(name: "cpu"): Promise<void> {
  if (tf.getBackend() !== name) await tf.setBackend(name);
  await tf.ready();
}

/** TF.js' own tensor accounting, for tests and the diagnostics route. */
export function tensorMemory(): { numTensors: number; numBytes: number; backend: string } {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes, backend: tf.getBackend() };
}
