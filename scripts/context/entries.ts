/**
 * Context files for `npm run context -- put|validate`: one KV entry per key, as
 *   .jsonl  one `{"key": "...", "value": {...}}` per line
 *   .json   an array of the same (the value may also be a JSON string, as `wrangler kv bulk put` takes it)
 *   .csv    a header row with a `key` column; the other columns become the value's fields
 *           (numbers, true/false parsed; an empty cell is left out)
 * Values are JSON objects; `updated_at` (docs/context-time.md) is stamped when absent.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { CliError } from "../models/cli-error.ts";

export interface Entry {
  key: string;
  /** The stored value: a JSON object (or, for files written for wrangler, any JSON). */
  value: unknown;
}

export function readContextFile(file: string): Entry[] {
  const text = readFileSync(file, "utf8");
  const ext = extname(file).toLowerCase();
  if (ext === ".csv") return fromCsv(text, file);
  if (ext === ".jsonl" || ext === ".ndjson") {
    return text
      .split("\n")
      .map((line, i) => [line.trim(), i + 1] as const)
      .filter(([line]) => line !== "")
      .map(([line, n]) => entryOf(parse(line, `${file}:${n}`), `${file}:${n}`));
  }
  if (ext === ".json") {
    const all = parse(text, file);
    if (!Array.isArray(all)) throw new CliError(`${file}: expected a JSON array of {key, value}`);
    return all.map((e, i) => entryOf(e, `${file}[${i}]`));
  }
  throw new CliError(`${file}: expected a .jsonl, .json or .csv file, got '${ext || "no extension"}'`);
}

function parse(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${where}: not JSON (${(err as Error).message})`);
  }
}

function entryOf(raw: unknown, where: string): Entry {
  const e = raw as { key?: unknown; value?: unknown };
  if (typeof e !== "object" || e === null || typeof e.key !== "string" || e.key === "" || !("value" in e))
    throw new CliError(`${where}: expected {"key": "<non-empty string>", "value": ...}`);
  let value = e.value;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      // a plain string value stays a string
    }
  }
  if (e.key.length > 512) throw new CliError(`${where}: key is ${e.key.length} bytes, KV allows 512`);
  return { key: e.key, value };
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

function cell(text: string): unknown {
  if (text === "true" || text === "false") return text === "true";
  if (text.trim() !== "" && Number.isFinite(Number(text))) return Number(text);
  return text;
}

function fromCsv(text: string, file: string): Entry[] {
  const [header, ...rows] = csvRows(text);
  const keyAt = header?.indexOf("key") ?? -1;
  if (!header || keyAt < 0) throw new CliError(`${file}: the first row must name the columns, one of them 'key'`);
  return rows.map((cells, i) => {
    if (cells.length !== header.length)
      throw new CliError(`${file}:${i + 2}: ${cells.length} cells, the header has ${header.length}`);
    const value: Record<string, unknown> = {};
    header.forEach((name, j) => {
      if (j !== keyAt && cells[j] !== "") value[name] = name === "updated_at" ? cells[j] : cell(cells[j]!);
    });
    return { key: cells[keyAt]!, value };
  });
}

/** Adds `updated_at` to object values that have none. Returns how many were stamped. */
export function stamp(entries: Entry[], at: string): number {
  let stamped = 0;
  for (const e of entries) {
    if (typeof e.value === "object" && e.value !== null && !Array.isArray(e.value) && !("updated_at" in e.value)) {
      e.value = { ...(e.value as object), updated_at: at };
      stamped += 1;
    }
  }
  return stamped;
}

/** `[{key, value: "<json string>"}]`, the form `wrangler kv bulk put` takes. */
export function forWrangler(entries: readonly Entry[]): Array<{ key: string; value: string }> {
  return entries.map((e) => ({ key: e.key, value: JSON.stringify(e.value) }));
}
