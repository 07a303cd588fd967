/**
 * Feature matrices: every row goes through the same core path the Worker uses
 * (parseFlight -> rawFeatures -> scaleFeatures), and the on-disk cache of them.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type AsOf,
  type ContextLookup,
  FEATURE_NAMES,
  type FlightsContextParams,
  type FlightsParams,
  localText,
  parseFlight,
  rawFeatures,
  scaleFeatures,
} from "../../src/pipelines/flights/index.ts";
import { bar } from "./cli.ts";
import { type Flights, isLate, requestRow } from "./data.ts";

export const F = FEATURE_NAMES.length;

export interface Matrix {
  rows: number;
  cols: number;
  /** Row-major features. */
  x: Float32Array;
  /** 1 = late. */
  y: Uint8Array;
}

export interface RawMatrix {
  rows: number;
  x: Float64Array;
  y: Uint8Array;
  /** Rows with each kind of context missing (ap, route, cong). */
  missing: Record<string, number>;
}

/** A lookup that hides the same-day congestion (cong: keys), as for a date outside the live period. */
export const withoutCongestion = (ctx: ContextLookup): ContextLookup =>
  Object.assign((key: string) => (key.startsWith("cong:") ? undefined : ctx(key)), {
    validated: new Map<string, unknown>(),
  });

/**
 * Unscaled features of the given rows; rows with `hide[r] = 1` are built without cong: keys.
 * `lead(r)` is row r's prediction lead in minutes (as_of = departure - lead, local); undefined
 * (or no `lead`) means the request default, the start of the departure hour.
 */
export function rawMatrix(
  f: Flights,
  rows: Uint32Array,
  ctx: ContextLookup,
  p: FlightsContextParams,
  label: string,
  hide?: Uint8Array,
  lead?: (r: number) => number | undefined,
): RawMatrix {
  const hidden = withoutCongestion(ctx);
  const x = new Float64Array(rows.length * F);
  const y = new Uint8Array(rows.length);
  const missing: Record<string, number> = { ap: 0, route: 0, cong: 0, any: 0 };
  const progress = bar(label, rows.length);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    const q = parseFlight(requestRow(f, i), `row ${i}`);
    const res = rawFeatures(q, hide?.[r] ? hidden : ctx, p, asOfAt(f, i, lead?.(r)));
    x.set(res.features, r * F);
    y[r] = isLate(f, i) ? 1 : 0;
    const kinds = new Set(res.missing.map((k) => k.slice(0, k.indexOf(":"))));
    for (const k of kinds) missing[k] = (missing[k] ?? 0) + 1;
    if (kinds.size) missing.any!++;
    if (r % 20_000 === 0) progress.update(r);
  }
  progress.update(rows.length);
  progress.stop();
  return { rows: rows.length, x, y, missing };
}

/** The as_of of row i at `lead` minutes before its departure (undefined: the request default). */
export function asOfAt(f: Flights, i: number, lead: number | undefined): AsOf | undefined {
  if (lead === undefined) return undefined;
  const minutes = f.minute[i]! - lead;
  return { kind: "local", minutes, text: localText(minutes), field: "as_of" };
}

/** Mean and standard deviation of every column (population std; 1 when a column is constant). */
export function scalingOf(m: RawMatrix): FlightsParams["scaling"] {
  const mean = new Array<number>(F).fill(0);
  const sq = new Array<number>(F).fill(0);
  for (let r = 0; r < m.rows; r++) for (let j = 0; j < F; j++) mean[j]! += m.x[r * F + j]!;
  for (let j = 0; j < F; j++) mean[j]! /= m.rows;
  for (let r = 0; r < m.rows; r++)
    for (let j = 0; j < F; j++) {
      const d = m.x[r * F + j]! - mean[j]!;
      sq[j]! += d * d;
    }
  const std = sq.map((s) => {
    const v = Math.sqrt(s / m.rows);
    return v > 1e-9 ? v : 1;
  });
  return { mean, std };
}

/** Scales with the core's scaleFeatures, rounding to float32 as the Worker's input tensor does. */
export function scaleMatrix(m: RawMatrix, scaling: FlightsParams["scaling"]): Matrix {
  const x = new Float32Array(m.rows * F);
  for (let r = 0; r < m.rows; r++) {
    x.set(scaleFeatures(Array.from(m.x.subarray(r * F, (r + 1) * F)), scaling), r * F);
  }
  return { rows: m.rows, cols: F, x, y: m.y };
}

/** Keeps only the given columns (by feature name). */
export function selectColumns(m: Matrix, names: readonly string[]): Matrix {
  const idx = names.map((n) => {
    const j = (FEATURE_NAMES as readonly string[]).indexOf(n);
    if (j < 0) throw new Error(`unknown feature ${n}`);
    return j;
  });
  const x = new Float32Array(m.rows * idx.length);
  for (let r = 0; r < m.rows; r++)
    for (let k = 0; k < idx.length; k++) x[r * idx.length + k] = m.x[r * m.cols + idx[k]!]!;
  return { rows: m.rows, cols: idx.length, x, y: m.y };
}

/** Rows by index. */
export function takeRows(m: Matrix, rows: ArrayLike<number>): Matrix {
  const x = new Float32Array(rows.length * m.cols);
  const y = new Uint8Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    x.set(m.x.subarray(i * m.cols, (i + 1) * m.cols), r * m.cols);
    y[r] = m.y[i]!;
  }
  return { rows: rows.length, cols: m.cols, x, y };
}

export function saveMatrix(dir: string, name: string, m: Matrix): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.x.f32`), new Uint8Array(m.x.buffer, m.x.byteOffset, m.x.byteLength));
  writeFileSync(join(dir, `${name}.y.u8`), m.y);
}

export function loadMatrix(dir: string, name: string, cols = F): Matrix {
  const xb = readFileSync(join(dir, `${name}.x.f32`));
  const x = new Float32Array(xb.buffer.slice(xb.byteOffset, xb.byteOffset + xb.byteLength));
  const y = new Uint8Array(readFileSync(join(dir, `${name}.y.u8`)));
  if (x.length !== y.length * cols) throw new Error(`cache ${dir}/${name}: ${x.length} values for ${y.length} rows`);
  return { rows: y.length, cols, x, y };
}

/** What features.ts leaves for train.ts / evaluate.ts. */
export interface CacheMeta {
  stride: number;
  feature_names: string[];
  /** Params without threshold (added by train.ts). */
  params: Omit<FlightsParams, "threshold" | "threshold_rule">;
  sets: Record<"train" | "validation" | "test", { rows: number; late: number; missing: Record<string, number> }>;
  context: { keys: number; bytes: number; airports: number; routes: number; congestion: number };
}
