/**
 * Shadow versions (docs/monitoring.md, "Shadow versions"). A model's pointer record may name a
 * shadow version and a sample (`npm run models -- shadow`); on the sampled requests (by request
 * id, ../monitoring/sampling.ts, so the same request is shadowed on every isolate) the shadow runs
 * on the same inputs and the same context after the answer has gone, inside `ctx.waitUntil`. It
 * never changes the answer: the predict path only hands over references it already holds, and
 * the shadow starts once the request has ended. Its rows go to the prediction log as arm
 * `shadow`, with the answer's request id and row keys and the answered score beside their own
 * (`served`); its failures (load, context, run) are one log line and one error record of arm
 * `shadow`, never the caller's.
 *
 * One hook per request (built by the wiring with the prediction log); its state lives and dies
 * with the request.
 */
import type { NamedOutput } from "../codecs/v1.ts";
import { ServeError } from "../errors.ts";
import type { ShadowSetting } from "../models/record.ts";
import { type Capture, createCapture, type Ending, type RowKeys, type Run } from "../monitoring/capture.ts";
import type { Monitoring } from "../monitoring/manifest.ts";
import type { Arm, ErrorRecord, PredictionLogSink, PredictionRecord, QueueRecord } from "../monitoring/record.ts";
import { rowNumbers } from "../monitoring/rows.ts";
import { sampled } from "../monitoring/sampling.ts";
import { predictedClass } from "../monitoring/shadow.ts";
import type { ContextResult, ContextStore } from "../pipeline/context-store.ts";

/** What the answering version said (the dataplane's outputs and its manifest's `monitoring`). */
export interface ServedRun {
  outputs: readonly NamedOutput[];
  monitoring?: Monitoring;
}

/** Runs the shadow version on the request's inputs and context, reporting its run to `capture`. */
export type ShadowRun = (version: number, capture: Capture) => Promise<void>;

export interface ShadowHook {
  /** The version that answers and the model's shadow setting (registry.resolve): decides the sampling. */
  chose(choice: { name: string; version: number; arm: Arm; shadow?: ShadowSetting }): void;
  /** True when this request is sampled for a shadow run: the predict path then keeps its context reads. */
  readonly active: boolean;
  /** The request's row keys, as the answer's capture got them. */
  keys(keys: RowKeys): void;
  /** After the answer: what it said, and how to run the shadow on the same inputs and context. */
  ran(served: ServedRun, run: ShadowRun): void;
  /** At the request's end: starts the shadow (answered requests only); true when it did. */
  finish(ending: Pick<Ending, "time" | "status">): boolean;
}

export interface ShadowOptions {
  requestId: string;
  protocol: string;
  /** The prediction log (the same queue as the answer's records). */
  sink: PredictionLogSink;
  log: (event: string, detail: Record<string, unknown>) => void;
  /** `ctx.waitUntil`; without one (tests through `app.request`) the shadow still runs, unawaited. */
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
}

/** The next macrotask: the answer is handed to the runtime before the shadow takes the CPU. */
const later = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export function createShadow(options: ShadowOptions): ShadowHook {
  let planned: { name: string; version: number; arm: Arm; setting: ShadowSetting } | undefined;
  let rowKeys: RowKeys | undefined;
  let answered: { served: ServedRun; run: ShadowRun } | undefined;

  async function shadowRun(plan: NonNullable<typeof planned>, ending: Pick<Ending, "time">) {
    await later();
    const { served, run } = answered!;
    const started = performance.now();
    const capture = createCapture(options.protocol);
    capture.asked(plan.name);
    capture.chose({ name: plan.name, version: plan.setting.version, arm: "shadow", label: null });
    if (rowKeys) capture.keys(rowKeys);
    let shadowMonitoring: Monitoring | undefined;
    // The rows' keys are derived as the answer's were (its key_field and hashing), and every row is kept.
    const keyed: Capture = {
      ...capture,
      ran: (r: Run) => {
        shadowMonitoring = r.monitoring;
        capture.ran({ ...r, monitoring: keyedLike(r.monitoring, served.monitoring) });
      },
    };
    let records: QueueRecord[];
    try {
      await run(plan.setting.version, keyed);
      const done = { requestId: options.requestId, time: ending.time, status: 200 };
      const rows = await capture.records({ ...done, latencyMs: performance.now() - started });
      records = withServed(rows as PredictionRecord[], served, shadowMonitoring, plan);
    } catch (err) {
      const status = err instanceof ServeError ? err.status : 500;
      const code = err instanceof ServeError ? err.code : "INTERNAL";
      options.log("shadow_failed", {
        model: plan.name,
        version: plan.version,
        shadow_version: plan.setting.version,
        status,
        code,
        error: err instanceof Error ? err.message : String(err),
      });
      const failed: ErrorRecord = {
        kind: "error",
        time: new Date(ending.time).toISOString(),
        request_id: options.requestId,
        protocol: options.protocol,
        model: plan.name,
        version: plan.setting.version,
        arm: "shadow",
        code,
        status,
        latency_ms: performance.now() - started,
      };
      records = [failed];
    }
    if (records.length === 0) return;
    try {
      await options.sink.send(records);
    } catch (err) {
      options.log("prediction_log_failed", { arm: "shadow", records: records.length, error: String(err) });
    }
  }

  return {
    chose(choice) {
      const setting = choice.shadow;
      planned =
        setting && sampled(options.requestId, setting.sample)
          ? { name: choice.name, version: choice.version, arm: choice.arm, setting }
          : undefined;
    },
    get active() {
      return planned !== undefined;
    },
    keys(keys) {
      rowKeys = keys;
    },
    ran(served, run) {
      if (planned) answered = { served, run };
    },
    finish(ending) {
      if (!planned || !answered || ending.status >= 400) return false;
      // shadowRun catches everything it can meet; the catch below is for a bug in it.
      const running = shadowRun(planned, ending).catch((err) =>
        options.log("shadow_failed", { model: planned?.name, error: String(err) }),
      );
      options.waitUntil?.(running);
      return true;
    },
  };
}

/** The shadow's `monitoring` with the answer's key settings and every row kept. */
function keyedLike(shadow: Monitoring | undefined, served: Monitoring | undefined): Monitoring {
  const out: Monitoring = { ...(shadow ?? { log_fields: true }), sample: 1, hash_key: served?.hash_key ?? false };
  if (served?.key_field !== undefined) out.key_field = served.key_field;
  else delete out.key_field;
  return out;
}

/** Each shadow row with the answered row beside it: its score and whether both predict the same class. */
function withServed(
  rows: PredictionRecord[],
  served: ServedRun,
  shadowMonitoring: Monitoring | undefined,
  plan: { version: number; arm: Arm },
): PredictionRecord[] {
  const batch = served.outputs[0]?.tensor.shape[0] ?? 0;
  const named = served.outputs.map((o) => ({ name: o.spec.name, tensor: o.tensor }));
  const servedName = served.monitoring?.score_output ?? served.outputs[0]?.spec.name;
  return rows.map((r) => {
    const answer = rowNumbers(named, r.row, batch);
    const servedValues = (servedName !== undefined ? answer[servedName] : undefined) ?? [];
    const shadowName = shadowMonitoring?.score_output ?? Object.keys(r.outputs)[0];
    const shadowValues = (shadowName !== undefined ? r.outputs[shadowName] : undefined) ?? [];
    return {
      ...r,
      served: {
        version: plan.version,
        arm: plan.arm,
        score: servedValues[0] ?? Number.NaN,
        same_class: predictedClass(servedValues) === predictedClass(shadowValues),
      },
    };
  });
}

/**
 * The predict path's context store when a shadow will run: it keeps what each read returned, and
 * `replay` answers the shadow's reads from it, reading only keys the answer never asked for (a
 * shadow that declares other context gets its own lookups; the same lookups are not read twice).
 */
export function recordingStore(store: ContextStore): { recording: ContextStore; replay: ContextStore } {
  const values = new Map<string, unknown>();
  const failed = new Set<string>();
  const absent = new Set<string>();
  let degraded = false;
  const recording: ContextStore = {
    async getMany(keys) {
      const result = await store.getMany(keys);
      for (const key of keys) {
        if (result.values.has(key)) values.set(key, result.values.get(key));
        else if (result.failed?.has(key)) failed.add(key);
        else absent.add(key);
      }
      degraded ||= result.degraded;
      return result;
    },
  };
  const replay: ContextStore = {
    async getMany(keys) {
      const unread = keys.filter((k) => !values.has(k) && !failed.has(k) && !absent.has(k));
      const fresh: ContextResult | undefined = unread.length > 0 ? await store.getMany(unread) : undefined;
      const found = new Map<string, unknown>();
      const lost = new Set<string>();
      for (const key of keys) {
        if (values.has(key)) found.set(key, values.get(key));
        else if (failed.has(key)) lost.add(key);
      }
      for (const [key, value] of fresh?.values ?? []) found.set(key, value);
      for (const key of fresh?.failed ?? []) lost.add(key);
      const result: ContextResult = { values: found, degraded: degraded || (fresh?.degraded ?? false) };
      if (lost.size > 0) result.failed = lost;
      return result;
    },
  };
  return { recording, replay };
}
