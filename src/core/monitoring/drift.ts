/**
 * Drift of served features against the training baseline (manifest `monitoring.baseline`):
 * each served value is counted in its baseline bin, and the served shares are compared with the
 * training shares by PSI and by the Jensen–Shannon distance (docs/monitoring.md, "Drift").
 */

/** Zero shares are replaced by this before PSI's logarithm (Evidently's `psi` stattest does the same). */
export const PSI_EPSILON = 0.0001;

/**
 * The bin of a value among interior edges e0 < … < e_{k-1}: (-inf, e0) is 0, [e_{i-1}, e_i) is i,
 * [e_{k-1}, +inf) is k (numpy's `searchsorted(edges, x, side="right")`). NaN goes to bin -1.
 */
export function baselineBin(edges: readonly number[], x: number): number {
  if (Number.isNaN(x)) return -1;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((edges[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

/**
 * Population stability index: Σ (a_i − e_i)·ln(a_i / e_i) over bins, a = served shares,
 * e = training shares, each zero share replaced by PSI_EPSILON.
 */
export function psi(expected: readonly number[], actualCounts: readonly number[]): number {
  const a = shares(actualCounts);
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i] as number, 0) || PSI_EPSILON;
    const x = (a[i] as number) || PSI_EPSILON;
    sum += (x - e) * Math.log(x / e);
  }
  return sum;
}

function kl(p: readonly number[], m: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] as number;
    if (pi > 0) s += pi * Math.log(pi / (m[i] as number));
  }
  return s;
}

/**
 * Jensen–Shannon distance with the natural logarithm, as `scipy.spatial.distance.jensenshannon(p, q)`
 * (both normalised to sum 1): sqrt((KL(p‖m) + KL(q‖m)) / 2), m = (p + q) / 2. In [0, sqrt(ln 2)].
 */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  const ps = shares(p);
  const qs = shares(q);
  const m = ps.map((v, i) => (v + (qs[i] as number)) / 2);
  return Math.sqrt(Math.max(0, (kl(ps, m) + kl(qs, m)) / 2));
}
