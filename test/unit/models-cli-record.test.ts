/**
 * The model CLI's record changes (pure functions) and its publish sequence against an in-memory
 * store, where failures can be injected: a failed upload leaves the record untouched, so the
 * version stays invisible. (models-cli.test.ts runs the real CLI and wrangler.)
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CliError } from "../../scripts/models/cli-error.ts";
import { parseVersion } from "../../scripts/models/labels.ts";
import { renderRecords } from "../../scripts/models/list.ts";
import { publish } from "../../scripts/models/publish.ts";
import {
  emptyRecord,
  parsePercent,
  parseRecord,
  rolledBack,
  serialiseRecord,
  withCanary,
  withLabel,
  withVersion,
} from "../../scripts/models/record.ts";
import type { RepositoryStore } from "../../scripts/models/store.ts";
import { parseTarget, wranglerTargetArgs } from "../../scripts/models/target.ts";
import { type ModelRecord, ModelRecordSchema } from "../../src/core/models/record.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const scratch = mkdtempSync(join(tmpdir(), "models-cli-record-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const entry = {
  sha256: "b".repeat(64),
  format: "layers-model" as const,
  bytes: 10,
  published: "2026-11-01T00:00:00.000Z",
};
const record = (over: Partial<ModelRecord> = {}): ModelRecord => ({
  ...emptyRecord(),
  versions: { "1": entry, "2": entry, "3": entry },
  ...over,
});

describe("record changes", () => {
  it("withVersion adds a version and refuses one the record has, naming the next free version", () => {
    expect(withVersion(emptyRecord(), "m", 0, entry).versions).toEqual({ "0": entry });
    expect(() => withVersion(record(), "m", 2, entry)).toThrow(
      /m version 2 is already published .*immutable.*--version 4/,
    );
  });

  it("withLabel pushes the previous version onto the label's history; the same version changes nothing", () => {
    const once = withLabel(record({ labels: { stable: 1 } }), "stable", 2);
    expect(once).toMatchObject({ labels: { stable: 2 }, history: { stable: [1] } });
    const twice = withLabel(once, "stable", 3);
    expect(twice).toMatchObject({ labels: { stable: 3 }, history: { stable: [1, 2] } });
    expect(withLabel(twice, "stable", 3)).toBe(twice);
    expect(withLabel(record(), "canary", 1)).toMatchObject({ labels: { canary: 1 }, history: {} });
  });

  it("rolledBack pops the newest history entry and refuses with nothing to return to", () => {
    const labelled = withLabel(withLabel(record({ labels: { stable: 1 } }), "stable", 2), "stable", 3);
    const first = rolledBack(labelled, "m", "stable");
    expect([first.from, first.to]).toEqual([3, 2]);
    expect(first.record).toMatchObject({ labels: { stable: 2 }, history: { stable: [1] } });
    const second = rolledBack(first.record, "m", "stable");
    expect(second.record.labels.stable).toBe(1);
    expect(second.record.history).toEqual({});
    expect(() => rolledBack(second.record, "m", "stable")).toThrow(
      "m: label 'stable' → 1 has no earlier version to roll back to",
    );
    expect(() => rolledBack(second.record, "m", "beta")).toThrow("m has no label 'beta' to roll back (labels: stable)");
  });

  it("canary percent: 0-100, decimals allowed; above 0 needs a canary label", () => {
    expect(["0", "10", "12.5", "100"].map(parsePercent)).toEqual([0, 10, 12.5, 100]);
    for (const bad of ["101", "-5", "1e2", "", "ten", "NaN"])
      expect(() => parsePercent(bad), bad).toThrow(/from 0 to 100/);
    expect(() => withCanary(record(), "m", 5)).toThrow("m has no 'canary' label");
    expect(withCanary(record({ labels: { canary: 2 } }), "m", 5).canary_percent).toBe(5);
    expect(withCanary(record(), "m", 0).canary_percent).toBe(0);
  });

  it("parseRecord refuses stored values that are not JSON or not records, rather than overwrite them", () => {
    expect(() => parseRecord("m", "{")).toThrow("model:m in the REGISTRY namespace is not JSON");
    expect(() => parseRecord("m", JSON.stringify({ versions: { one: entry } }))).toThrow(
      /not a valid model record \(versions\.one/,
    );
    expect(parseRecord("m", serialiseRecord(record({ labels: { stable: 2 } })))).toEqual(
      record({ labels: { stable: 2 } }),
    );
  });
});

describe("version keys", () => {
  const entry = { sha256: "a".repeat(64) };
  it("must be canonical integers: refused on write and on read, and as a CLI argument", () => {
    for (const key of ["01", "00", "+1", "1.0", "9007199254740992"]) {
      const record = { ...emptyRecord(), versions: { [key]: entry } };
      expect(() => serialiseRecord(record), key).toThrow();
      expect(() => parseRecord("m", JSON.stringify(record)), key).toThrow(CliError);
      expect(ModelRecordSchema.safeParse(record).success, key).toBe(false);
    }
    for (const key of ["0", "1", "10", "9007199254740991"]) {
      expect(ModelRecordSchema.safeParse({ versions: { [key]: entry } }).success, key).toBe(true);
    }
    expect(() => parseVersion("01")).toThrow(/without leading zeros/);
    expect(() => parseVersion("9007199254740992")).toThrow(/at most 2\^53-1/);
    expect(parseVersion("12")).toBe(12);
  });
});

describe("list rendering", () => {
  it("shows versions, labels with their history, bundled and dangling labels, and the canary share", () => {
    const lines = renderRecords(
      {
        tiny_graph: record({
          versions: { "5": entry },
          labels: { stable: 5, canary: 1, old: 4 },
          canary_percent: 10,
          history: { stable: [1, 2] },
        }),
        empty: emptyRecord(),
      },
      "memory",
    );
    expect(lines).toEqual([
      "empty",
      "  no published versions",
      "  no labels: unqualified requests get the latest version",
      "",
      "tiny_graph, canary 10% → 1",
      "  version  sha256        format        size  published",
      "  5        bbbbbbbbbbbb  layers-model  10 B  2026-11-01T00:00:00.000Z",
      "  label canary → 1 (bundled)",
      "  label old → 4 (not published!)",
      "  label stable → 5  (history: 1, 2)",
      "",
    ]);
    expect(renderRecords({}, "memory")).toEqual(["no models in the repository (memory)"]);
  });
});

describe("target flags", () => {
  it("default to local state and say so; --persist-to implies local; --remote excludes both", () => {
    expect(parseTarget({})).toMatchObject({ remote: false, defaulted: true });
    expect(wranglerTargetArgs(parseTarget({}))).toEqual(["--local"]);
    expect(wranglerTargetArgs(parseTarget({ "persist-to": "/tmp/s", env: "staging", config: "w.toml" }))).toEqual([
      "--local",
      "--persist-to",
      "/tmp/s",
      "--env",
      "staging",
      "--config",
      "w.toml",
    ]);
    expect(wranglerTargetArgs(parseTarget({ remote: true, env: "production" }))).toEqual([
      "--remote",
      "--env",
      "production",
    ]);
    expect(() => parseTarget({ remote: true, "persist-to": "x" })).toThrow("--remote cannot be combined");
  });
});

/** An in-memory repository; `failOn` makes the named operation throw like a failed wrangler call. */
function memoryStore(initial: Record<string, ModelRecord> = {}, failOn?: { object?: number; record?: boolean }) {
  const records = new Map(Object.entries(initial).map(([k, v]) => [k, JSON.stringify(v)]));
  const objects: string[] = [];
  let puts = 0;
  let recordWrites = 0;
  const store: RepositoryStore = {
    where: "memory",
    getRecord: async (name) => records.get(name) ?? null,
    putRecord: async (name, record) => {
      if (failOn?.record) throw new CliError("wrangler could not write model:" + name);
      recordWrites++;
      records.set(name, serialiseRecord(record));
    },
    listModels: async () => [...records.keys()],
    putObject: async (key) => {
      if (++puts === failOn?.object) throw new CliError(`wrangler could not upload stateless-serve-models/${key}`);
      objects.push(key);
    },
  };
  return { store, records, objects, writes: () => recordWrites };
}

function fixture(model: string, version: number): string {
  const dir = mkdtempSync(join(scratch, `${model}-`));
  cpSync(join(ROOT, "model/artifacts", model, String(version)), dir, { recursive: true });
  rmSync(join(dir, "manifest.json"));
  return dir;
}

describe("publish against an in-memory repository", () => {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  it("uploads shards, then model.json, then manifest.json, and writes the record last; --label keeps the old value in history", async () => {
    const { store, records, objects } = memoryStore({ tiny_layers: record({ labels: { stable: 1 } }) });
    const result = await publish(
      { dir: fixture("tiny_layers", 1), name: "tiny_layers", version: 7, label: "stable", run: true },
      store,
      log,
    );
    expect(objects).toEqual([
      "models/tiny_layers/7/group1-shard1of2.bin",
      "models/tiny_layers/7/group1-shard2of2.bin",
      "models/tiny_layers/7/model.json",
      "models/tiny_layers/7/manifest.json",
    ]);
    const stored = ModelRecordSchema.parse(JSON.parse(records.get("tiny_layers")!));
    expect(stored.versions["7"]).toMatchObject({
      sha256: result.sha256,
      format: "layers-model",
      bytes: 3130 + 256 + 200,
    });
    expect(stored).toMatchObject({ labels: { stable: 7 }, history: { stable: [1] } });
    expect(result.manifestWritten).toBe(true);
    expect(result.manifest.signature.inputs.map((s) => s.name)).toEqual(["features", "extra"]);
  });

  it("a failed upload leaves the record untouched and says the version stays invisible and what a retry does", async () => {
    const before = record({ labels: { stable: 1 } });
    const { store, records, objects, writes } = memoryStore({ tiny_layers: before }, { object: 2 });
    const publishing = publish(
      { dir: fixture("tiny_layers", 1), name: "tiny_layers", version: 7, run: false },
      store,
      log,
    );
    await expect(publishing).rejects.toThrow(
      /could not upload stateless-serve-models\/models\/tiny_layers\/7\/group1-shard2of2\.bin\nNothing was published: model:tiny_layers is unchanged, so version 7 stays invisible to the Worker\. Already uploaded: group1-shard1of2\.bin \(stray objects under models\/tiny_layers\/7\/; running the same publish again overwrites them\)/,
    );
    expect(objects).toEqual(["models/tiny_layers/7/group1-shard1of2.bin"]);
    expect(writes()).toBe(0);
    expect(JSON.parse(records.get("tiny_layers")!)).toEqual(before);
  });

  it("a failed record write says the version is not published and that re-running finishes it", async () => {
    const { store, objects } = memoryStore({}, { record: true });
    const publishing = publish({ dir: fixture("tiny_graph", 1), name: "fresh", version: 1, run: false }, store, log);
    await expect(publishing).rejects.toThrow(
      /The files are uploaded but model:fresh was not written, so version 1 is not published .*Run the same command again/s,
    );
    expect(objects).toHaveLength(3);
  });

  it("refuses to publish over a version bundled in the Worker", async () => {
    const { store, objects } = memoryStore();
    await expect(
      publish({ dir: fixture("tiny_graph", 1), name: "tiny_graph", version: 2, run: false }, store, log),
    ).rejects.toThrow(
      "tiny_graph version 2 is bundled in the Worker (model/artifacts/tiny_graph/2); publish under another version. Nothing was written.",
    );
    expect(objects).toEqual([]);
  });
});
