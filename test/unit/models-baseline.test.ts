/**
 * Training baselines: the bins equal numpy's (quantile edges, per-value edges for a categorical
 * feature, shares by `searchsorted(side="right")`) on the fixed data of
 * test/fixtures/monitoring-reference.json, and `npm run models -- baseline` writes them into a
 * manifest the schema accepts, from JSONL or CSV, refusing rows that do not fit.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeBaseline } from "../../scripts/models/baseline.ts";
import { ManifestSchema } from "../../src/core/models/manifest.ts";
import { baselineFeature } from "../../src/core/monitoring/baseline.ts";

const ref = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/monitoring-reference.json"), "utf8")) as {
  drift: {
    train: number[];
    edges: number[];
    expected_shares: number[];
    categorical: { train: number[]; edges: number[]; expected_shares: number[] };
  };
};

const near = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - (want[i] as number))).toBeLessThanOrEqual(1e-12));
};

describe("baselineFeature", () => {
  it("puts quantile edges where numpy does and counts its shares", () => {
    const f = baselineFeature("x", ref.drift.train);
    near(f.edges, ref.drift.edges);
    near(f.shares, ref.drift.expected_shares);
  });

  it("gives a feature with few values one bin per value", () => {
    const f = baselineFeature("c", ref.drift.categorical.train);
    expect(f.edges).toEqual(ref.drift.categorical.edges);
    near(f.shares, ref.drift.categorical.expected_shares);
    expect(baselineFeature("onehot", [0, 1, 1, 0, 1]).edges).toEqual([0.5]);
  });
});

function modelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "baseline-"));
  const manifest = {
    name: "m",
    version: 1,
    format: "layers-model",
    signature: {
      inputs: [{ name: "x", tensor: "x", dtype: "float32", shape: [-1, 3] }],
      outputs: [{ name: "p", tensor: "p", dtype: "float32", shape: [-1, 1] }],
    },
    files: { "model.json": "0".repeat(64) },
    monitoring: { sample: 0.5 },
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  return dir;
}

describe("npm run models -- baseline", () => {
  it("writes monitoring.baseline from JSONL, keeping the section's other fields", () => {
    const dir = modelDir();
    const rows = Array.from({ length: 50 }, (_, i) => (i % 2 ? [i, i % 3, 1] : { features: [i, i % 3, 0] }));
    writeFileSync(join(dir, "train.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n"));
    const lines: string[] = [];
    writeBaseline({ dir, data: join(dir, "train.jsonl"), task: "binary" }, (l) => lines.push(l));
    const m = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
    expect(m.monitoring?.sample).toBe(0.5);
    expect(m.monitoring?.task).toBe("binary");
    expect(m.monitoring?.baseline?.rows).toBe(50);
    const [f0, f1, f2] = m.monitoring!.baseline!.features;
    expect([f0?.name, f1?.name, f2?.name]).toEqual(["f0", "f1", "f2"]);
    expect(f0?.edges).toHaveLength(9);
    expect(f0?.shares.every((s) => s === 0.1 || Math.abs(s - 0.1) < 0.021)).toBe(true);
    expect(f1?.edges).toEqual([0.5, 1.5]);
    expect(f2?.shares).toEqual([0.5, 0.5]);
    expect(lines.join("\n")).toMatch(/3 features from 50 rows/);
  });

  it("reads CSV with a header naming the features, and refuses a wrong header or row", () => {
    const dir = modelDir();
    writeFileSync(join(dir, "ok.csv"), "f0,f1,f2\n1,2,3\n4,5,6\n");
    writeBaseline({ dir, data: join(dir, "ok.csv"), bins: 4 }, () => {});
    expect(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).monitoring.baseline.rows).toBe(2);
    writeFileSync(join(dir, "header.csv"), "a,b,c\n1,2,3\n");
    expect(() => writeBaseline({ dir, data: join(dir, "header.csv") }, () => {})).toThrow(/header must name.*f0,f1,f2/);
    writeFileSync(join(dir, "short.jsonl"), "[1,2,3]\n[1,2]\n");
    expect(() => writeBaseline({ dir, data: join(dir, "short.jsonl") }, () => {})).toThrow(
      /short.jsonl line 2: expected 3 numbers, got \[1,2\]/,
    );
    expect(() => writeBaseline({ dir, data: join(dir, "ok.csv"), bins: 1 }, () => {})).toThrow(
      /--bins: an integer 2-100/,
    );
  });

  it("refuses a model whose feature vector it cannot name", () => {
    expect(() => writeBaseline({ dir: "model/artifacts/tiny_layers/1", data: "x.csv" }, () => {})).toThrow(
      /no single input of fixed width/,
    );
  });
});
