/**
 * `npm run logs -- export` (scripts/logs.ts, scripts/logs/export.ts): the log files the consumer
 * writes (its own Parquet encoder) in a bucket-shaped directory become one training file that
 * DuckDB reads: each logged row once, the range and version filters, the latest outcome per key.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { outcomesParquet, predictionsParquet } from "../../src/adapters/parquet/log-schema.ts";
import type { OutcomeRecord, PredictionRecord } from "../../src/core/monitoring/record.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "logs-export-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const prediction = (version: number, time: string, request: string, row: number, key: string): PredictionRecord => ({
  kind: "prediction",
  time,
  request_id: request,
  protocol: "v1",
  model: "m",
  version,
  arm: "default",
  label: null,
  row,
  key,
  as_of: time,
  fields: JSON.stringify({ key }),
  features: [Math.fround(row + 0.1), Math.fround(-1 / 3)],
  outputs: { p: [Math.fround(0.5)] },
  score: Math.fround(0.5),
  lookups: [{ lookup: "l", key: "x", status: "stale", updated_at: null }],
  latency_ms: 2,
});
const outcome = (key: string, value: number, time: string): OutcomeRecord => ({
  kind: "outcome",
  model: "m",
  key,
  value,
  time,
});

function put(key: string, bytes: Uint8Array) {
  mkdirSync(dirname(join(dir, key)), { recursive: true });
  writeFileSync(join(dir, key), bytes);
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(
      join(ROOT, "node_modules/.bin/tsx"),
      ["scripts/logs.ts", ...args],
      { cwd: ROOT },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe("npm run logs -- export", () => {
  const a = prediction(1, "2026-12-01T10:00:00.000Z", "r1", 0, "k1");
  const b = prediction(1, "2026-12-01T11:00:00.000Z", "r2", 0, "k2");
  const c = prediction(2, "2026-12-02T09:00:00.000Z", "r3", 0, "k3");
  const late = prediction(1, "2026-12-05T09:00:00.000Z", "r4", 0, "k4");
  put("logs/predictions/model=m/version=1/date=2026-12-01/x1.parquet", predictionsParquet([a, b]));
  // The same rows again under another first message id (a redelivery regrouped by Queues).
  put("logs/predictions/model=m/version=1/date=2026-12-01/x2.parquet", predictionsParquet([b]));
  put("logs/predictions/model=m/version=2/date=2026-12-02/x3.parquet", predictionsParquet([c]));
  put("logs/predictions/model=m/version=1/date=2026-12-05/x4.parquet", predictionsParquet([late]));
  put(
    "logs/outcomes/model=m/date=2026-12-02/o1.parquet",
    outcomesParquet([outcome("k1", 0, "2026-12-02T00:00:00.000Z")]),
  );
  put(
    "logs/outcomes/model=m/date=2026-12-03/o2.parquet",
    outcomesParquet([outcome("k1", 1, "2026-12-03T00:00:00.000Z"), outcome("k3", 1, "2026-12-03T00:00:00.000Z")]),
  );

  it("writes each logged row once, joined with the latest outcome per key", async () => {
    const out = join(dir, "out.parquet");
    const args = ["export", "--model", "m", "--from", "2026-12-01", "--to", "2026-12-02", "--with-outcomes"];
    const result = await run([...args, "--dir", dir, out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/3 row\(s\) from 5 file\(s\), 2 with an outcome/);
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    const rows = (
      await connection.runAndReadAll(
        `SELECT model, version, request_id, "key", features, outcome_value, outcome_time::VARCHAR AS outcome_time, lookups FROM '${out}' ORDER BY time`,
      )
    ).getRowObjectsJS();
    connection.closeSync();
    expect(rows.map((r) => [r.version, r.request_id, r.key, r.outcome_value])).toEqual([
      [1, "r1", "k1", 1],
      [1, "r2", "k2", null],
      [2, "r3", "k3", 1],
    ]);
    expect(rows[0]!.outcome_time).toBe("2026-12-03 00:00:00+00");
    expect(rows[0]!.features).toEqual(a.features);
    expect(rows[0]!.lookups).toEqual(a.lookups);
  });

  it("keeps a shadow's row beside the answer's row of the same request and row (a self-shadow shares their partition)", async () => {
    const answer = { ...prediction(1, "2026-12-01T10:00:00.000Z", "r9", 0, "k9"), model: "ms" };
    const shadow = { ...answer, arm: "shadow" as const, score: Math.fround(0.25) };
    put("logs/predictions/model=ms/version=1/date=2026-12-01/y1.parquet", predictionsParquet([answer]));
    put("logs/predictions/model=ms/version=1/date=2026-12-01/y2.parquet", predictionsParquet([shadow, answer]));
    const out = join(dir, "shadow.parquet");
    const result = await run([
      "export",
      "--model",
      "ms",
      "--from",
      "2026-12-01",
      "--to",
      "2026-12-01",
      "--dir",
      dir,
      out,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/2 row\(s\) from 2 file\(s\)/);
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    const rows = (await connection.runAndReadAll(`SELECT arm, score FROM '${out}' ORDER BY arm`)).getRowObjectsJS();
    connection.closeSync();
    expect(rows).toEqual([
      { arm: "default", score: 0.5 },
      { arm: "shadow", score: 0.25 },
    ]);
  });

  it("filters by version, and refuses bad arguments with a message", async () => {
    const out = join(dir, "v2.parquet");
    const ok = await run([
      "export",
      "--model",
      "m",
      "--version",
      "2",
      "--from",
      "2026-12-01",
      "--to",
      "2026-12-31",
      "--dir",
      dir,
      out,
    ]);
    expect(ok.stdout).toMatch(/1 row\(s\) from 1 file\(s\)/);
    const bad = await run(["export", "--model", "m", "--from", "Dec 1", "--to", "2026-12-31", out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from: expected a date YYYY-MM-DD, got "Dec 1"/);
  });
});
