/**
 * Element-wise activations of the lean path, as TF.js 4.22 defines them (tfjs-layers
 * activations.ts and the tfjs-core kernels they call), computed in double precision. Keras writes
 * snake_case names, TF.js camelCase; both are accepted. TF.js 4.22 cannot load "gelu_new" (its
 * registry knows it as "geluNew"), so it is not planned either: such a model fails on TF.js as before. Softmax works on a whole row and is
 * applied by the executor (./plan.ts).
 */

export type Unary = (x: number) => number;

/** tfjs-core Softplus: thresholds at log(float32 epsilon) + 2, as the cpu kernel does. */
const SOFTPLUS_THRESHOLD = Math.log(1.1920928955078125e-7) + 2;
const softplus: Unary = (x) =>
  x > -SOFTPLUS_THRESHOLD ? x : x < SOFTPLUS_THRESHOLD ? Math.exp(x) : Math.log(Math.exp(x) + 1);
const sigmoid: Unary = (x) => 1 / (1 + Math.exp(-x));
/** tfjs-core selu constants (backend_util/selu_util). */
const SELU_SCALEALPHA = 1.7580993408473768;
const SELU_SCALE = 1.0507009873554805;
/** tfjs-core erf: Abramowitz and Stegun 7.1.26, the cpu kernel's constants (backend_util/erf_util). */
const ERF = { p: 0.3275911, a1: 0.254829592, a2: -0.284496736, a3: 1.421413741, a4: -1.453152027, a5: 1.061405429 };
function erf(x: number): number {
  const sign = Math.sign(x);
  const v = Math.abs(x);
  const t = 1 / (1 + ERF.p * v);
  return sign * (1 - ((((ERF.a5 * t + ERF.a4) * t + ERF.a3) * t + ERF.a2) * t + ERF.a1) * t * Math.exp(-v * v));
}

export const UNARY: Readonly<Record<string, Unary>> = {
  linear: (x) => x,
  relu: (x) => Math.max(x, 0),
  relu6: (x) => (x > 0 ? Math.min(x, 6) : 0),
  sigmoid,
  hardSigmoid: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
  tanh: Math.tanh,
  elu: (x) => (x > 0 ? x : Math.exp(x) - 1),
  selu: (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALEALPHA * (Math.exp(x) - 1)),
  softplus,
  softsign: (x) => x / (1 + Math.abs(x)),
  swish: (x) => x * sigmoid(x),
  mish: (x) => x * Math.tanh(softplus(x)),
  gelu: (x) => x * (0.5 * (1 + erf(x / Math.SQRT2))),
};

const ALIASES: Readonly<Record<string, string>> = { hard_sigmoid: "hardSigmoid", silu: "swish" };

/** An activation by its Keras or TF.js name: "softmax", a unary function, or undefined when not supported. */
export function activation(name: unknown): "softmax" | Unary | undefined {
  const key = name == null ? "linear" : typeof name === "string" ? (ALIASES[name] ?? name) : undefined;
  if (key === undefined) return undefined;
  if (key === "softmax") return "softmax";
  return Object.hasOwn(UNARY, key) ? UNARY[key] : undefined;
}
