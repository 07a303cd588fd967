/** Hand-made prediction-log records for the Monitor tests (the shapes of core/monitoring/record.ts). */
import type { ErrorRecord, OutcomeRecord, PredictionRecord } from "../../src/core/monitoring/record.ts";

export function prediction(
  model: string,
  requestId: string,
  key: string | null,
  score: number,
  extra: Partial<PredictionRecord> = {},
): PredictionRecord {
  return {
    kind: "prediction",
    time: new Date().toISOString(),
    request_id: requestId,
    protocol: "v1",
    model,
    version: 1,
    arm: "default",
    label: null,
    row: 0,
    key,
    as_of: null,
    fields: null,
    features: [],
    outputs: { delay_probability: [score] },
    score,
    lookups: [],
    latency_ms: 12,
    ...extra,
  };
}

export const outcome = (model: string, key: string, value: number, time = "2001-06-15T17:42:00Z"): OutcomeRecord => ({
  kind: "outcome",
  model,
  key,
  value,
  time,
});

export const failure = (model: string, requestId: string, code = "INVALID_INPUT"): ErrorRecord => ({
  kind: "error",
  time: new Date().toISOString(),
  request_id: requestId,
  protocol: "v2",
  model,
  version: 1,
  arm: "default",
  code,
  status: 400,
  latency_ms: 3,
});

/** AUC by counting pairs (Mann-Whitney: ties count 1/2), the reference the binned AUC must be near. */
export function pairAuc(pairs: ReadonlyArray<{ score: number; y: 0 | 1 }>): number {
  const pos = pairs.filter((p) => p.y === 1);
  const neg = pairs.filter((p) => p.y === 0);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}
