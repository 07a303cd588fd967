/**
 * The few distributions the rollout rule needs (docs/rollouts.md, "The decision rule"), written
 * out so core needs no library: Student's t quantile (Welch's interval on a difference of mean
 * per-row losses), the normal quantile and Wilson's score bound (error and slow-request shares).
 * Checked against scipy in test/unit/rollouts-stats.test.ts (scripts/references/rollouts.py).
 */

/** Sufficient statistics of per-row losses: count, Σ loss, Σ loss². */
export interface Moments {
  n: number;
  sum: number;
  sumsq: number;
}

export const mean = (m: Moments) => m.sum / m.n;

/** The unbiased sample variance (n − 1 in the denominator); NaN below two rows. */
export function variance(m: Moments): number {
  if (m.n < 2) return Number.NaN;
  return Math.max(0, (m.sumsq - (m.sum * m.sum) / m.n) / (m.n - 1));
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits). */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the regularized incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/** I_x(a, b), the regularized incomplete beta function. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's is). */
export function studentCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (0 < p < 1), by bisection on the CDF to 1e-12. */
export function studentQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN;
  if (p === 0.5) return 0;
  let lo = -1;
  let hi = 1;
  while (studentCdf(lo, df) > p) lo *= 2;
  while (studentCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (studentCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The p-quantile of the standard normal (Acklam's rational approximation: relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return Number.NaN;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

export interface WelchInterval {
  /** mean(a) − mean(b). */
  estimate: number;
  /** Its standard error, √(s_a²/n_a + s_b²/n_b). */
  se: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** The one-sided upper confidence bound: estimate + t_{confidence, df} · se. */
  upper: number;
}

/**
 * Welch's one-sided upper bound on mean(a) − mean(b) from the two samples' moments: what
 * scipy's `ttest_ind(a, b, equal_var=False, alternative="less").confidence_interval(c).high`
 * gives. NaN fields when either side has fewer than two rows.
 */
export function welchUpper(a: Moments, b: Moments, confidence: number): WelchInterval {
  const va = variance(a) / a.n;
  const vb = variance(b) / b.n;
  const estimate = mean(a) - mean(b);
  const se = Math.sqrt(va + vb);
  const welchDf = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  // Both variances so small that their squares underflow: Welch's conservative floor instead.
  const df = Number.isFinite(welchDf) && welchDf > 0 ? welchDf : Math.min(a.n, b.n) - 1;
  // Both variances 0 (every row the same loss): the difference is known exactly.
  if (se === 0) return { estimate, se, df, upper: estimate };
  return { estimate, se, df, upper: estimate + studentQuantile(confidence, df) * se };
}

/**
 * Wilson's score interval's lower bound on a share from k of n, one-sided at `confidence`
 * (scipy's `binomtest(k, n).proportion_ci(2·confidence − 1, method="wilson").low`). 0 when n = 0.
 */
export function wilsonLower(k: number, n: number, confidence: number): number {
  // No event: the bound is 0 exactly (the formula's two terms cancel only up to rounding).
  if (n <= 0 || k <= 0) return 0;
  const z = normalQuantile(confidence);
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - spread) / (1 + z2 / n));
}
