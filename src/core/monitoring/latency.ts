/**
 * A mergeable latency histogram with log-spaced bins (the DDSketch mapping, Masson et al.,
 * VLDB 2019): bin i holds values in (γ^(i-1), γ^i], and a quantile is answered with the bin's
 * representative 2γ^i/(γ+1), whose relative error against the exact value at that rank is at
 * most α = (γ-1)/(γ+1). With γ = 1.02, α ≈ 0.0099 (under 1 %).
 */

export const LATENCY_GAMMA = 1.02;
/** The stated relative error of every latency quantile. */
export const LATENCY_RELATIVE_ERROR = (LATENCY_GAMMA - 1) / (LATENCY_GAMMA + 1);
/** Values are clamped to [MIN, MAX] ms, so at most ~1,050 bins exist (the size bound). */
export const LATENCY_MIN_MS = 0.001;
export const LATENCY_MAX_MS = 1_000_000;

const LOG_GAMMA = Math.log(LATENCY_GAMMA);

/** Sparse bins: bin index (as a string key, for JSON) -> count. Zero and below go to "z". */
export type LatencyBins = Record<string, number>;

export function latencyBin(ms: number): string {
  return logBin(ms, LATENCY_MIN_MS, LATENCY_MAX_MS);
}

/** The bin of a value clamped to [min, max] (zero and below: "z"); latencyQuantile reads any such bins. */
export function logBin(value: number, min: number, max: number): string {
  if (!(value > 0)) return "z";
  const v = Math.min(Math.max(value, min), max);
  return String(Math.ceil(Math.log(v) / LOG_GAMMA - 1e-12));
}

function representative(bin: string): number {
  if (bin === "z") return 0;
  const i = Number(bin);
  return (2 * LATENCY_GAMMA ** i) / (LATENCY_GAMMA + 1);
}

export function addLatency(bins: LatencyBins, ms: number): void {
  const b = latencyBin(ms);
  bins[b] = (bins[b] ?? 0) + 1;
}

export function mergeLatency(a: LatencyBins, b: LatencyBins): LatencyBins {
  const out: LatencyBins = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}

function order(bin: string): number {
  return bin === "z" ? Number.NEGATIVE_INFINITY : Number(bin);
}

/**
 * The q-quantile as the value of rank floor(q·(n-1)) in ascending order (numpy's
 * `quantile(..., method="lower")`), within LATENCY_RELATIVE_ERROR of it. Null when empty.
 */
export function latencyQuantile(bins: LatencyBins, q: number): number | null {
  const keys = Object.keys(bins).sort((x, y) => order(x) - order(y));
  const n = keys.reduce((s, k) => s + (bins[k] ?? 0), 0);
  if (n === 0) return null;
  const rank = Math.floor(q * (n - 1));
  let seen = 0;
  for (const k of keys) {
    seen += bins[k] ?? 0;
    if (seen > rank) return representative(k);
  }
  return representative(keys[keys.length - 1] as string);
}
