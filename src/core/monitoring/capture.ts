/**
 * What one request leaves for the prediction log (docs/monitoring.md, "Prediction log"). The
 * predict path only hands over references it already holds (the decoded inputs, the feature
 * tensors the model received, its outputs, and a pipeline's lazy per-row context); the records
 * are built afterwards, inside `ctx.waitUntil`, by `records()`. With logging off there is no
 * capture at all (`deps.capture` is undefined), so the predict path does nothing extra.
 */

import type { NamedOutput } from "../codecs/v1.ts";
import type { NamedTensors } from "../tensors/spec.ts";
import type { Monitoring } from "./manifest.ts";
import { hashedKey } from "./outcomes.ts";
import type { Arm, LogRecord, LookupRecord, PredictionRecord } from "./record.ts";
import { rowFields, rowNumbers } from "./rows.ts";
import { sampled } from "./sampling.ts";

/** One row's context as its pipeline resolved it: the effective as_of and each lookup's status. */
export interface RowContext {
  as_of: string | null;
  lookups: LookupRecord[];
}

/** The version that answered and how it was chosen (registry.resolve). */
export interface Choice {
  name: string;
  version: number;
  arm: Arm;
  label: string | null;
}

/** What the dataplane ran: public inputs, the model's own input tensors, the public outputs. */
export interface Run {
  inputs: NamedTensors;
  features: NamedTensors;
  outputs: readonly NamedOutput[];
  monitoring?: Monitoring;
  /** Per-row as_of and lookups, computed only when called (pipelines that have context). */
  rows?: () => RowContext[];
}

/** How a row's join key is read from the request (v1 pass-through fields, v2 id). */
export type RowKeys =
  | { kind: "passthrough"; fields: (row: number) => Record<string, unknown> }
  | { kind: "id"; id: string | undefined };

/** How the request ended (the transport knows). */
export interface Ending {
  requestId: string;
  /** When the answer was made (epoch ms). */
  time: number;
  latencyMs: number;
  status: number;
  code?: string;
}

export interface Capture {
  /** A predict/infer request for `model` (called before the body is read, so failures are logged too). */
  asked(model: string): void;
  chose(choice: Choice): void;
  keys(keys: RowKeys): void;
  ran(run: Run): void;
  /** How many records `records` will give (sampling decided per request id); cheap, synchronous. */
  count(ending: Ending): number;
  /** The request's records: one per answered row, or one error record. Hashes keys when asked. */
  records(ending: Ending): Promise<LogRecord[]>;
}

const iso = (ms: number) => new Date(ms).toISOString();

const keyText = (v: unknown): string | null =>
  v === undefined || v === null ? null : typeof v === "string" ? v : JSON.stringify(v);

export function createCapture(protocol: string): Capture {
  let model: string | undefined;
  let choice: Choice | undefined;
  let keys: RowKeys | undefined;
  let run: Run | undefined;
  const batchOf = (r: Run) => r.outputs[0]?.tensor.shape[0] ?? Object.values(r.features)[0]?.shape[0] ?? 0;
  const sample = () => run?.monitoring?.sample ?? 1;
  return {
    asked: (name) => {
      model = name;
    },
    chose: (c) => {
      choice = c;
    },
    keys: (k) => {
      keys = k;
    },
    ran: (r) => {
      run = r;
    },
    count(ending) {
      if (model === undefined || !sampled(ending.requestId, sample())) return 0;
      if (ending.status >= 400 || !run) return ending.status >= 400 ? 1 : 0;
      return batchOf(run);
    },
    async records(ending) {
      if (this.count(ending) === 0) return [];
      const time = iso(ending.time);
      if (ending.status >= 400 || !run || !choice) {
        return [
          {
            kind: "error",
            time,
            request_id: ending.requestId,
            protocol,
            model: choice?.name ?? model!,
            version: choice?.version ?? null,
            arm: choice?.arm ?? null,
            code: ending.code ?? "INTERNAL",
            status: ending.status,
            latency_ms: ending.latencyMs,
          },
        ];
      }
      const monitoring = run.monitoring;
      const batch = batchOf(run);
      const contexts = run.rows?.();
      const records: PredictionRecord[] = [];
      for (let row = 0; row < batch; row++) {
        const fields = rowFields(run.inputs, row, batch, keys?.kind === "passthrough" ? keys.fields(row) : {});
        const outputs = rowNumbers(
          run.outputs.map((o) => ({ name: o.spec.name, tensor: o.tensor })),
          row,
          batch,
        );
        let key: string | null;
        if (monitoring?.key_field !== undefined) key = keyText(fields[monitoring.key_field]);
        else if (keys?.kind === "passthrough") key = keyText(fields.key);
        else key = keys?.id !== undefined && keys.id !== "" ? `${keys.id}#${row}` : null;
        if (key !== null && monitoring?.hash_key) key = await hashedKey(key);
        const scoreName = monitoring?.score_output ?? Object.keys(outputs)[0];
        const features = Object.values(
          rowNumbers(
            Object.entries(run.features).map(([name, tensor]) => ({ name, tensor })),
            row,
            batch,
          ),
        ).flat();
        records.push({
          kind: "prediction",
          time,
          request_id: ending.requestId,
          protocol,
          model: choice.name,
          version: choice.version,
          arm: choice.arm,
          label: choice.label,
          row,
          key,
          as_of: contexts?.[row]?.as_of ?? null,
          fields: monitoring?.log_fields === false ? null : JSON.stringify(fields),
          features,
          outputs,
          score: (scoreName !== undefined ? outputs[scoreName]?.[0] : undefined) ?? Number.NaN,
          lookups: contexts?.[row]?.lookups ?? [],
          latency_ms: ending.latencyMs,
        });
      }
      return records;
    },
  };
}
