import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import w from "../model/artifacts/smoke/w.bin";
import mj from "../model/artifacts/smoke/model.json";
export default {
  async fetch(): Promise<Response> {
    await tf.setBackend("cpu"); await tf.ready();
    const t = tf.sum(tf.square(tf.tensor([1, 2, 3])));
    return Response.json({ v: t.dataSync()[0], b: (w as ArrayBuffer).byteLength, mj: mj instanceof ArrayBuffer ? new TextDecoder().decode(mj) : typeof mj, backend: tf.getBackend() });
  },
};
