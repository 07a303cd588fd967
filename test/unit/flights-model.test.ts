/**
 * The flights model pipeline: the shared feature module reproduces the committed reference, and
 * the whole pipeline (features → train → evaluate) runs on a tiny slice and writes a servable,
 * reproducible artifact.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readEntries } from "../../scripts/local-context.ts";
import { ManifestSchema } from "../../src/core/models/manifest.ts";
import { AirportValueSchema, batchLookup, readValue } from "../../src/pipelines/flights/context.ts";
import {
  buildFeatures,
  contextKeys,
  FlightsParamsSchema,
  lookupFromEntries,
  parseAsOf,
  parseFlight,
} from "../../src/pipelines/flights/index.ts";
import { FLIGHTS } from "../support/flights.ts";

const manifest = ManifestSchema.parse(JSON.parse(readFileSync("model/artifacts/flights/1/manifest.json", "utf8")));

describe("shared flights features", () => {
  it("reproduce the committed reference from the committed context and manifest, at each case's as_of", () => {
    const params = FlightsParamsSchema.parse(manifest.preprocess?.params);
    const lookup = lookupFromEntries(readEntries());
    for (const c of FLIGHTS.cases) {
      const q = parseFlight(c.row, "row");
      expect(contextKeys(q)).toEqual(c.keys);
      const built = buildFeatures(q, lookup, params, parseAsOf(c.as_of, "as_of"));
      expect(built.missing).toEqual(c.missing);
      built.features.forEach((f, i) => expect(Math.abs(f - c.features[i]!)).toBeLessThan(1e-9));
    }
  });
});

describe("batch context lookup", () => {
  it("validates each key once per batch and gives the same values as a plain lookup", () => {
    const ap = { lat: 37.6, lon: -122.4, utc_offset: -8, dst: true, late_rate: 0.2, flights: 10 };
    const values = new Map<string, unknown>([
      ["ap:SFO", JSON.stringify(ap)],
      ["ap:BAD", "{not json"],
    ]);
    let parses = 0;
    const schema = AirportValueSchema.transform((v) => (parses++, v));
    const lookup = batchLookup(values);
    for (let i = 0; i < 5; i++) {
      expect(readValue(lookup, "ap:SFO", schema)).toEqual(ap);
      expect(readValue(lookup, "ap:BAD", schema)).toBeUndefined();
    }
    expect(parses).toBe(1);
    expect(readValue((k) => values.get(k), "ap:SFO", AirportValueSchema)).toEqual(ap);
  });
});

describe("the pipeline on a tiny slice", () => {
  const out = mkdtempSync(join(tmpdir(), "stateless-serve-pipeline-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const run = (script: string, ...args: string[]) =>
    execFileSync("npx", ["tsx", `model/flights/${script}.ts`, "--out", out, ...args], {
      stdio: "pipe",
      encoding: "utf8",
    });
  const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

  it("writes a valid artifact, context and metrics, and evaluates reproducibly", { timeout: 300_000 }, () => {
    run("features", "--limit", "30000");
    run("train", "--epochs", "2");
    run("evaluate");
    const dir = join(out, "artifacts/flights");
    const written = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, "1/manifest.json"), "utf8")));
    expect(written.preprocess?.kind).toBe("flights");
    for (const [file, hash] of Object.entries(written.files)) expect(sha(join(dir, "1", file))).toBe(hash);
    const context = JSON.parse(readFileSync(join(dir, "context.json"), "utf8")) as Array<{
      key: string;
      value: string;
    }>;
    expect(context.some((e) => e.key.startsWith("ap:"))).toBe(true);
    expect(context.every((e) => typeof e.value === "string" && JSON.parse(e.value) !== null)).toBe(true);
    const metrics = readFileSync(join(dir, "metrics.json"), "utf8");
    const auc = JSON.parse(metrics).with_context.auc as number;
    expect(auc).toBeGreaterThan(0.5);
    expect(auc).toBeLessThanOrEqual(1);
    run("evaluate");
    expect(readFileSync(join(dir, "metrics.json"), "utf8")).toBe(metrics);
  });
});
