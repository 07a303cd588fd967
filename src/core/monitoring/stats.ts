/**
 * Triton's statistics extension (docs/monitoring.md, "Triton statistics";
 * triton-inference-server/server docs/protocol/extension_statistics.md): the JSON that
 * `tritonclient.http`'s `get_inference_statistics()` GETs and json-decodes, from the Monitor
 * object's cumulative counters per version.
 *
 * What maps to what here: an inference is a predicted row (`inference_count`); an execution is a
 * request (`execution_count`: one model run per request, no dynamic batching); `success` and
 * `fail` count requests with their whole latency (arrival to answer). The server does not time
 * queueing, input preparation, the model run and output extraction apart, so `queue`,
 * `compute_input`, `compute_infer` and `compute_output` are zero, and prediction-cache hits are
 * not in the log, so `cache_hit` and `cache_miss` are zero too. Counters start when the model's
 * Monitor object first folded a record (Triton's start when the server started) and count what
 * the prediction log sampled.
 */

/** One version's counters as the Monitor object keeps them. */
export interface VersionCounters {
  version: number;
  inference_count: number;
  execution_count: number;
  success_count: number;
  success_ns: number;
  fail_count: number;
  fail_ns: number;
  /** Epoch ms of the newest answered row (0: none). */
  last_inference: number;
}

export interface DurationStat {
  count: number;
  ns: number;
}

export interface ModelStat {
  name: string;
  version: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: {
    success: DurationStat;
    fail: DurationStat;
    queue: DurationStat;
    compute_input: DurationStat;
    compute_infer: DurationStat;
    compute_output: DurationStat;
    cache_hit: DurationStat;
    cache_miss: DurationStat;
  };
  batch_stats: never[];
}

const none = (): DurationStat => ({ count: 0, ns: 0 });

export function modelStat(name: string, c: VersionCounters): ModelStat {
  return {
    name,
    version: String(c.version),
    last_inference: c.last_inference,
    inference_count: c.inference_count,
    execution_count: c.execution_count,
    inference_stats: {
      success: { count: c.success_count, ns: c.success_ns },
      fail: { count: c.fail_count, ns: c.fail_ns },
      queue: none(),
      compute_input: none(),
      compute_infer: none(),
      compute_output: none(),
      cache_hit: none(),
      cache_miss: none(),
    },
    batch_stats: [],
  };
}

/** A version that has served nothing yet (listed so every available version has a row, as Triton does). */
export const idleCounters = (version: number): VersionCounters => ({
  version,
  inference_count: 0,
  execution_count: 0,
  success_count: 0,
  success_ns: 0,
  fail_count: 0,
  fail_ns: 0,
  last_inference: 0,
});
