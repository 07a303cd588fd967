/** Latency summaries from raw samples (ms): exact order statistics, no histogram rounding. */
export interface Summary {
  count: number;
  medianMs: number;
  p99Ms: number;
}

/** Nearest-rank percentile of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { count: sorted.length, medianMs: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}
