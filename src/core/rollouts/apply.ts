/**
 * Rollout transitions as pure functions of the pointer record (docs/rollouts.md): start and abort
 * (the CLI), a decision applied to the rollout (the Cron evaluation), and `reconcile`, which makes
 * the record's canary label, canary share and stable label say what the rollout's state says.
 * `reconcile` depends on the rollout alone, so applying it twice, or to a stale copy of the
 * record, writes the same labels: a decision reaches the record once however often it is written.
 */
import { CANARY_LABEL, DEFAULT_LABEL, type ModelRecord, withLabel } from "../models/record.ts";
import type { RuleResult } from "./rule.ts";
import { type Decision, type HistoryEntry, MAX_HISTORY, type Policy, type Rollout } from "./schema.ts";

/** The record as the rollout says it must be: canary label and share while active, stable label once complete. */
export function reconcile(record: ModelRecord, rollout: Rollout): ModelRecord {
  let next: ModelRecord = { ...record, rollout };
  if (rollout.state === "active") {
    next = withLabel(next, CANARY_LABEL, rollout.version);
    return { ...next, canary_percent: rollout.policy.steps[rollout.step] ?? 0 };
  }
  if (rollout.state === "completed") next = withLabel(next, DEFAULT_LABEL, rollout.version);
  return { ...next, canary_percent: 0 };
}

function entry(
  rollout: Rollout,
  decision: Decision,
  at: string,
  rule: string,
  extra: Partial<HistoryEntry> = {},
): HistoryEntry {
  return {
    seq: rollout.seq + 1,
    at,
    decision,
    step: rollout.step,
    percent: rollout.policy.steps[rollout.step] ?? 0,
    rule,
    ...extra,
  };
}

/** Appends an entry, keeping at most MAX_HISTORY (the start entry and the newest ones). */
function appended(history: readonly HistoryEntry[], e: HistoryEntry): HistoryEntry[] {
  const all = [...history, e];
  return all.length <= MAX_HISTORY ? all : [all[0]!, ...all.slice(all.length - MAX_HISTORY + 1)];
}

export interface StartOptions {
  id: string;
  version: number;
  from: number;
  policy: Policy;
  now: string;
}

export function startRollout(record: ModelRecord, o: StartOptions): ModelRecord {
  const rollout: Rollout = {
    id: o.id,
    version: o.version,
    from: o.from,
    state: "active",
    step: 0,
    started: o.now,
    step_started: o.now,
    look: 0,
    look_n: 0,
    seq: 0,
    policy: o.policy,
    history: [],
  };
  rollout.history = [
    { ...entry(rollout, "start", o.now, `started: ${o.policy.steps[0]}% of default traffic to ${o.version}`), seq: 0 },
  ];
  return reconcile(record, rollout);
}

export function abortRollout(rollout: Rollout, now: string): Rollout {
  return {
    ...rollout,
    state: "aborted",
    seq: rollout.seq + 1,
    history: appended(
      rollout.history,
      entry(rollout, "abort", now, "aborted by hand: canary share 0, labels unchanged"),
    ),
  };
}

/** The rollout after one evaluation's result; holds at one step collapse into one entry. */
export function advance(rollout: Rollout, result: RuleResult, now: string): Rollout {
  const last = rollout.history.at(-1);
  const base = {
    ...rollout,
    seq: rollout.seq + 1,
    look: rollout.look + (result.inconclusive ? 1 : 0),
    look_n: result.inconclusive ? (result.lookN ?? rollout.look_n) : rollout.look_n,
  };
  if (result.decision === "hold") {
    // Holds for want of evidence collapse into one entry per step; each inconclusive look keeps its own.
    const collapsible = (e?: HistoryEntry) => e?.decision === "hold" && e.evidence?.difference === undefined;
    if (!result.inconclusive && collapsible(last) && last!.step === rollout.step) {
      const collapsed: HistoryEntry = {
        ...last!,
        seq: base.seq,
        at: now,
        rule: result.rule,
        evidence: result.evidence,
        evaluations: (last!.evaluations ?? 1) + 1,
        first_at: last!.first_at ?? last!.at,
      };
      return { ...base, history: [...rollout.history.slice(0, -1), collapsed] };
    }
    return {
      ...base,
      history: appended(rollout.history, entry(rollout, "hold", now, result.rule, { evidence: result.evidence })),
    };
  }
  const history = appended(
    rollout.history,
    entry(rollout, result.decision, now, result.rule, { evidence: result.evidence }),
  );
  if (result.decision === "promote")
    return { ...base, step: rollout.step + 1, step_started: now, look: 0, look_n: 0, history };
  return { ...base, state: result.decision === "complete" ? "completed" : "rolled_back", history };
}
