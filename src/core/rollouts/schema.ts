/**
 * A staged rollout as the model's pointer record holds it (`rollout` in `model:<name>`, see
 * core/models/record.ts): the policy `npm run models -- rollout` wrote, where the rollout stands,
 * and the history of every decision with its evidence (docs/rollouts.md). The predict path never
 * parses it (the record schema keeps it as an opaque value, so a damaged rollout cannot stop
 * serving); the CLI and the Cron evaluation parse it here.
 */
import * as z from "zod";

export const METRICS = ["log_loss", "brier", "mae"] as const;
export type Metric = (typeof METRICS)[number];

/** Rollout states: only `active` ones are evaluated. */
export const STATES = ["active", "completed", "rolled_back", "aborted"] as const;
export const DECISIONS = ["start", "hold", "promote", "complete", "rollback", "abort"] as const;
export type Decision = (typeof DECISIONS)[number];

/** At most this many history entries are kept (holds at one step collapse into one entry). */
export const MAX_HISTORY = 100;

const Version = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Instant = z.string().refine((s) => Number.isFinite(Date.parse(s)), "an ISO 8601 instant");

export const PolicySchema = z
  .object({
    /** Canary shares (percent), strictly increasing, the last 100. */
    steps: z.array(z.number().gt(0).max(100)).min(2),
    /** Joined outcomes each arm needs in a step's period before the metric is tested. */
    min_outcomes: z.number().int().min(2),
    metric: z.enum(METRICS),
    /** The largest tolerated increase of the mean per-row loss (canary − stable), ≥ 0. */
    max_regression: z.number().min(0),
    /** The largest tolerated share of the canary's requests answered 5xx, 0-1. */
    max_error_rate: z.number().min(0).max(1),
    /** The largest tolerated canary p95 latency (ms); unset = no latency rule. */
    max_p95_ms: z.number().positive().optional(),
    /** One-sided confidence of every bound the rule uses (default 0.95). */
    confidence: z.number().gt(0.5).lt(1),
  })
  .refine((p) => p.steps.every((s, i) => i === 0 || s > p.steps[i - 1]!), {
    message: "steps must be strictly increasing",
    path: ["steps"],
  })
  .refine((p) => p.steps.at(-1) === 100, { message: "the last step must be 100", path: ["steps"] });

export type Policy = z.infer<typeof PolicySchema>;

export const DEFAULT_POLICY: Omit<Policy, "max_p95_ms"> = {
  steps: [5, 25, 50, 100],
  min_outcomes: 500,
  metric: "log_loss",
  max_regression: 0.005,
  max_error_rate: 0.01,
  confidence: 0.95,
};

/** One arm's figures over the period the rule looked at. */
const ArmSchema = z.object({
  version: Version,
  arm: z.string(),
  requests: z.number(),
  server_errors: z.number(),
  /** Wilson's lower bound on the 5xx share at the policy's confidence. */
  error_rate_lower: z.number(),
  p95_ms: z.number().nullable(),
  /** Requests slower than max_p95_ms, and Wilson's lower bound on their share. */
  slow: z.number().optional(),
  slow_share_lower: z.number().optional(),
  joined: z.number(),
  /** Mean and standard deviation of the per-row loss (null below one resp. two rows). */
  mean: z.number().nullable(),
  sd: z.number().nullable(),
});

export const EvidenceSchema = z.object({
  /** Guard rails (errors, latency) count from `guard_from`; the metric test counts from `from`. */
  guard_from: Instant,
  from: Instant,
  to: Instant,
  canary: ArmSchema,
  stable: ArmSchema,
  /** Welch's interval on mean(canary) − mean(stable), when the test ran. */
  difference: z
    .object({
      estimate: z.number(),
      se: z.number(),
      df: z.number(),
      lower: z.number(),
      upper: z.number(),
      /** The look's confidence (1 − α/2^look) and which look at this step it was (1, 2, …). */
      confidence: z.number(),
      look: z.number().int().positive(),
    })
    .optional(),
});

export type Evidence = z.infer<typeof EvidenceSchema>;
export type ArmFigures = z.infer<typeof ArmSchema>;

export const HistoryEntrySchema = z.object({
  /** The rollout's `seq` this decision produced. */
  seq: z.number().int().nonnegative(),
  at: Instant,
  decision: z.enum(DECISIONS),
  /** The step index and canary share the decision was taken at. */
  step: z.number().int().nonnegative(),
  percent: z.number(),
  /** Which clause of the rule decided, in words (docs/rollouts.md). */
  rule: z.string(),
  /** Holds at one step collapse into one entry: how many evaluations, the first at `first_at`. */
  evaluations: z.number().int().positive().optional(),
  first_at: Instant.optional(),
  evidence: EvidenceSchema.optional(),
});

export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const RolloutSchema = z.object({
  /** Unique per rollout: decisions are applied once per (id, seq). */
  id: z.string().min(1).max(128),
  /** The version rolled out, and the default version it is compared with (and replaces). */
  version: Version,
  from: Version,
  state: z.enum(STATES),
  /** Index into policy.steps of the current canary share. */
  step: z.number().int().nonnegative(),
  started: Instant,
  step_started: Instant,
  /** Inconclusive metric tests at this step so far (the next needs min_outcomes · 2^look per arm). */
  look: z.number().int().nonnegative().default(0),
  /** The smaller arm's joined outcomes at the last inconclusive look: the next look needs twice as many. */
  look_n: z.number().int().nonnegative().default(0),
  /** Bumped by every change (CLI or Cron): the compare-before-write of concurrent evaluations. */
  seq: z.number().int().nonnegative(),
  policy: PolicySchema,
  history: z.array(HistoryEntrySchema).max(MAX_HISTORY),
});

export type Rollout = z.infer<typeof RolloutSchema>;

/** The rollout of a record's `rollout` value, or a message saying why it is not one. */
export function parseRollout(value: unknown): Rollout | string {
  const parsed = RolloutSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  return parsed.error.issues.map((i) => `rollout.${i.path.join(".")}: ${i.message}`).join("; ");
}
