/**
 * One arm's evidence from the Monitor's aggregates (src/core/rollouts/evidence.ts), against brute
 * force over the rows themselves: the loss moments equal the sums of each row's loss and squared
 * loss; the slow count never counts a request at or below the bound and misses only requests
 * within the histogram's 2 % of it; 5xx codes count, 4xx do not.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addError,
  addJoined,
  addPrediction,
  emptyAggregate,
  LOG_LOSS_EPS,
} from "../../src/core/monitoring/aggregate.ts";
import { LATENCY_GAMMA } from "../../src/core/monitoring/latency.ts";
import { armStats, metricMoments, slowerThan } from "../../src/core/rollouts/evidence.ts";
import { failure, prediction } from "../support/monitor-records.ts";

describe("rollout evidence from aggregates", () => {
  it("loss moments equal the row-by-row sums (log loss, Brier, absolute error)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ p: fc.double({ min: 0, max: 1, noNaN: true }), y: fc.constantFrom(0, 1) }), {
          minLength: 1,
          maxLength: 200,
        }),
        (rows) => {
          const agg = emptyAggregate();
          const reg = emptyAggregate();
          for (const { p, y } of rows) {
            addJoined(agg, p, y);
            addJoined(reg, p, y, { task: "regression", sample: 1, log_fields: true, hash_key: false });
          }
          const clip = (p: number) => Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
          const losses = {
            log_loss: rows.map(({ p, y }) => (y ? -Math.log(clip(p)) : -Math.log(1 - clip(p)))),
            brier: rows.map(({ p, y }) => (p - y) ** 2),
            mae: rows.map(({ p, y }) => Math.abs(p - y)),
          };
          for (const metric of ["log_loss", "brier", "mae"] as const) {
            const m = metricMoments(metric === "mae" ? reg : agg, metric);
            const l = losses[metric];
            expect(m.n).toBe(rows.length);
            expect(m.sum).toBeCloseTo(
              l.reduce((s, x) => s + x, 0),
              6,
            );
            expect(m.sumsq).toBeCloseTo(
              l.reduce((s, x) => s + x * x, 0),
              6,
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("counts slow requests conservatively: none at or below the bound, all above it by more than 2 %", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 2000, noNaN: true }), { maxLength: 300 }),
        fc.double({ min: 1, max: 500, noNaN: true }),
        (ms, bound) => {
          const agg = emptyAggregate();
          ms.forEach((latency_ms, i) => addPrediction(agg, prediction("m", `r${i}`, null, 0.5, { latency_ms })));
          const slow = slowerThan(agg, bound);
          expect(slow).toBeLessThanOrEqual(ms.filter((x) => x > bound).length);
          expect(slow).toBeGreaterThanOrEqual(ms.filter((x) => x > bound * LATENCY_GAMMA).length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("counts 5xx answers as errors and leaves 4xx out", () => {
    const agg = emptyAggregate();
    for (let i = 0; i < 10; i++) addPrediction(agg, prediction("m", `ok${i}`, null, 0.5));
    addError(agg, failure("m", "a", "INTERNAL"));
    addError(agg, failure("m", "b", "MODEL_NOT_READY"));
    addError(agg, failure("m", "c", "INVALID_INPUT"));
    addError(agg, failure("m", "d", "RATE_LIMITED"));
    expect(armStats(agg, { version: 1, arm: "canary" }, "log_loss")).toMatchObject({
      requests: 12,
      serverErrors: 2,
      answered: 10,
    });
  });
});
