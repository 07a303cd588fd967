/**
 * The raw data: 3,000,000 US domestic flights Jan–Jun 2001 (vega-datasets flights-3m.parquet)
 * and airport locations (airports.csv), plus the time split.
 */
import { readFileSync } from "node:fs";
import { parquetMetadata, parquetRead } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { bar } from "./cli.ts";
import { type Zone, zoneOf } from "./timezones.ts";

export const PARQUET = "node_modules/vega-datasets/data/flights-3m.parquet";
export const AIRPORTS_CSV = "node_modules/vega-datasets/data/airports.csv";

/** delay > 15 minutes (arrival) is "late". */
export const LATE_MINUTES = 15;

/** Columnar flights. `minute` = minutes since 1970-01-01T00:00 of the LOCAL wall time (read as if UTC). */
export interface Flights {
  n: number;
  minute: Float64Array;
  delay: Int32Array;
  distance: Float64Array;
  origin: string[];
  destination: string[];
}

/** The periods of the time split (inclusive ISO dates, local). */
export const PERIODS = {
  stats: { from: "2001-01-01", to: "2001-03-31" },
  train: { from: "2001-04-01", to: "2001-05-24" },
  validation: { from: "2001-05-25", to: "2001-05-31" },
  test: { from: "2001-06-01", to: "2001-06-30" },
} as const;
export type Period = keyof typeof PERIODS;

/** Reads the parquet file; keeps every `stride`-th row (1 = all) so tests can run on a slice. */
export async function loadFlights(stride: number): Promise<Flights> {
  const buf = readFileSync(PARQUET);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const metadata = parquetMetadata(file);
  const total = Number(metadata.num_rows);
  const minute = new Float64Array(total);
  const delay = new Int32Array(total);
  const distance = new Float64Array(total);
  const origin: string[] = new Array(total);
  const destination: string[] = new Array(total);
  const numeric: Record<string, Float64Array | Int32Array> = { date: minute, delay, distance };
  const strings: Record<string, string[]> = { origin, destination };
  let nulls = 0;

  const progress = bar("read parquet", metadata.row_groups.length * 5);
  await parquetRead({
    file,
    metadata,
    compressors,
    parsers: { timestampFromMicroseconds: (us: bigint) => Number(us / 60_000_000n) },
    onChunk: ({ columnName, columnData, rowStart }) => {
      const num = numeric[columnName];
      const str = strings[columnName];
      for (let i = 0; i < columnData.length; i++) {
        const v = columnData[i];
        if (v === null || v === undefined) nulls++;
        if (num) num[rowStart + i] = Number(v);
        else if (str) str[rowStart + i] = String(v);
      }
      progress.increment();
    },
  });
  progress.stop();
  if (nulls > 0) throw new Error(`flights: ${nulls} null values in ${PARQUET}; the pipeline assumes none`);

  if (stride === 1) return { n: total, minute, delay, distance, origin, destination };
  const keep = Math.ceil(total / stride);
  const out: Flights = {
    n: keep,
    minute: new Float64Array(keep),
    delay: new Int32Array(keep),
    distance: new Float64Array(keep),
    origin: new Array(keep),
    destination: new Array(keep),
  };
  for (let j = 0; j < keep; j++) {
    const i = j * stride;
    out.minute[j] = minute[i]!;
    out.delay[j] = delay[i]!;
    out.distance[j] = distance[i]!;
    out.origin[j] = origin[i]!;
    out.destination[j] = destination[i]!;
  }
  return out;
}

/** Row stride for "about `limit` rows" of the 3M (1 when no limit). */
export function strideFor(limit: number | undefined, total = 3_000_000): number {
  return limit ? Math.max(1, Math.floor(total / limit)) : 1;
}

/** `YYYY-MM-DDTHH:MM` of a row's local scheduled departure. */
export function departureOf(f: Flights, i: number): string {
  return new Date(f.minute[i]! * 60_000).toISOString().slice(0, 16);
}

/** `YYYY-MM-DD` of a row. */
export const dateOf = (f: Flights, i: number) => departureOf(f, i).slice(0, 10);

export const isLate = (f: Flights, i: number) => f.delay[i]! > LATE_MINUTES;

/** The raw request a client would send for row i. */
export function requestRow(f: Flights, i: number) {
  return {
    origin: f.origin[i]!,
    destination: f.destination[i]!,
    departure: departureOf(f, i),
    distance: f.distance[i]!,
  };
}

/** Indices of the rows whose local date lies in a period. */
export function rowsIn(f: Flights, period: Period): Uint32Array {
  const { from, to } = PERIODS[period];
  const lo = Date.parse(`${from}T00:00Z`) / 60_000;
  const hi = Date.parse(`${to}T00:00Z`) / 60_000 + 1440;
  const out: number[] = [];
  for (let i = 0; i < f.n; i++) if (f.minute[i]! >= lo && f.minute[i]! < hi) out.push(i);
  return Uint32Array.from(out);
}

export interface Airport extends Zone {
  code: string;
  lat: number;
  lon: number;
}

/** Splits one CSV line with double-quoted fields. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") out.push(cur), (cur = "");
    else cur += c;
  }
  out.push(cur);
  return out;
}

/** Airports by IATA code, for the codes given (all must be in airports.csv). */
export function loadAirports(codes: Iterable<string>): Map<string, Airport> {
  const rows = new Map<string, string[]>();
  const lines = readFileSync(AIRPORTS_CSV, "utf8").trim().split(/\r?\n/);
  const header = csvFields(lines[0]!);
  const col = (name: string) => header.indexOf(name);
  for (const line of lines.slice(1)) {
    const f = csvFields(line);
    rows.set(f[col("iata")]!, f);
  }
  const out = new Map<string, Airport>();
  for (const code of [...new Set(codes)].sort()) {
    const f = rows.get(code);
    if (!f) throw new Error(`airports: ${code} is not in ${AIRPORTS_CSV}`);
    out.set(code, {
      code,
      lat: Number(f[col("latitude")]),
      lon: Number(f[col("longitude")]),
      ...zoneOf(code, f[col("state")]!),
    });
  }
  return out;
}
