/**
 * Faults in model artifacts: a corrupt file (one byte flipped) or a missing shard makes that
 * version answer 503 with a message naming it, while the other versions keep serving; a failed
 * load is not memoised, so the version serves again once its bytes are repaired.
 */
import { readdirSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ManifestSchema } from "../../src/core/models/manifest.ts";
import { Registry } from "../../src/core/models/registry.ts";
import type { ModelSource, ModelVersionFiles } from "../../src/core/models/source.ts";
import { predict } from "../../src/core/serving/dataplane.ts";
import { DEFAULT_LIMITS } from "../../src/core/tensors/tensors.ts";
import { ensureBackend } from "../../src/runtime/tfjs/backend.ts";
import { tfjsRuntime } from "../../src/runtime/tfjs/model.ts";
import { failure } from "../support/errors.ts";
import { identityOfManifest } from "../support/repository.ts";

const DIR = "model/artifacts/tiny_graph";
const SHARD = "group1-shard1of1.bin";
type Files = Map<string, ArrayBuffer>;

function readVersion(version: number): Files {
  const files: Files = new Map();
  for (const name of readdirSync(`${DIR}/${version}`)) {
    const bytes = readFileSync(`${DIR}/${version}/${name}`);
    files.set(name, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  return files;
}

function flipByte(buffer: ArrayBuffer, at: number): ArrayBuffer {
  const copy = new Uint8Array(buffer.slice(0));
  copy[at] = copy[at]! ^ 0x01;
  return copy.buffer;
}

/** A ModelSource over the real fixture files, with a hook to damage one version's files. */
function fixtureSource(damage: (version: number, files: Files) => void = () => {}, withManifest = true): ModelSource {
  return {
    kind: "fake",
    index: async () => [{ name: "tiny_graph", versions: [1, 2], labels: {} }],
    async open(name, version): Promise<ModelVersionFiles | undefined> {
      if (name !== "tiny_graph" || (version !== 1 && version !== 2)) return undefined;
      const files = readVersion(version);
      damage(version, files);
      const manifestBytes = files.get("manifest.json")!;
      files.delete("manifest.json");
      if (!withManifest) return { files };
      const json = JSON.parse(new TextDecoder().decode(manifestBytes));
      return { manifest: ManifestSchema.parse(json), manifestJson: json, files };
    },
  };
}

const context = { getMany: async () => ({ values: new Map(), degraded: false }) };
const x = { x: { dtype: "float32" as const, shape: [1, 4], values: Float32Array.of(1, 2, 3, 4) } };

async function score(registry: Registry, version: number): Promise<number> {
  const model = await registry.load("tiny_graph", version);
  try {
    const [out] = await predict({ registry, context, limits: DEFAULT_LIMITS }, model, x);
    return (out!.tensor.values as Float32Array)[0]!;
  } finally {
    registry.release(model);
  }
}

beforeAll(() => ensureBackend("cpu"));

describe("a corrupt artifact", () => {
  const corruptShard = (version: number, files: Files) => {
    if (version === 1) files.set(SHARD, flipByte(files.get(SHARD)!, 7));
  };

  it("answers 503 naming the version and the file, while the other version keeps serving", async () => {
    const registry = new Registry([fixtureSource(corruptShard)], { memo: false, runtime: tfjsRuntime, pipelines: {} });
    const err = await failure(registry.load("tiny_graph", 1));
    expect(err.status).toBe(503);
    expect(err.code).toBe("MODEL_NOT_READY");
    expect(err.message).toMatch(
      /^model 'tiny_graph' version 1 failed its integrity check: 'group1-shard1of1\.bin' has sha256 [0-9a-f]{12}…, the manifest says e8599c8684cc…$/,
    );
    const healthy = new Registry([fixtureSource()], { memo: false, runtime: tfjsRuntime, pipelines: {} });
    expect(await score(registry, 2)).toBe(await score(healthy, 2));
    expect(Number.isFinite(await score(registry, 2))).toBe(true);
  });

  it("catches a flipped byte in model.json too", async () => {
    const source = fixtureSource(
      (v, files) => v === 1 && files.set("model.json", flipByte(files.get("model.json")!, 40)),
    );
    const err = await failure(
      new Registry([source], { memo: false, runtime: tfjsRuntime, pipelines: {} }).load("tiny_graph", 1),
    );
    expect(err.status).toBe(503);
    expect(err.message).toMatch(/version 1 failed its integrity check: 'model\.json'/);
  });

  it("is not memoised: once the bytes are repaired the same version serves again", async () => {
    let broken = true;
    const source = fixtureSource((version, files) => broken && corruptShard(version, files));
    const registry = new Registry([source], { memo: true, runtime: tfjsRuntime, pipelines: {} });
    expect((await failure(registry.load("tiny_graph", 1))).status).toBe(503);
    broken = false;
    const healthy = new Registry([fixtureSource()], { memo: false, runtime: tfjsRuntime, pipelines: {} });
    expect(await score(registry, 1)).toBe(await score(healthy, 1));
  });
});

describe("a missing shard", () => {
  const dropShard = (version: number, files: Files) => version === 1 && files.delete(SHARD);

  it("answers 503 naming the file the manifest expects", async () => {
    const err = await failure(
      new Registry([fixtureSource(dropShard)], { memo: false, runtime: tfjsRuntime, pipelines: {} }).load(
        "tiny_graph",
        1,
      ),
    );
    expect(err.status).toBe(503);
    expect(err.message).toBe(
      "model 'tiny_graph' version 1: file 'group1-shard1of1.bin' named in the manifest is missing",
    );
  });

  it("answers 503 naming the shard model.json expects when there is no manifest", async () => {
    const registry = new Registry([fixtureSource(dropShard, false)], {
      memo: false,
      runtime: tfjsRuntime,
      pipelines: {},
    });
    const err = await failure(registry.load("tiny_graph", 1));
    expect(err.status).toBe(503);
    expect(err.message).toBe("model 'tiny_graph' version 1: weight shard 'group1-shard1of1.bin' is missing");
    expect(Number.isFinite(await score(registry, 2))).toBe(true);
  });
});

describe("a source that knows the artifact identity up front", () => {
  const pipelines = {};

  it("lets a warm isolate skip opening the files, and still opens them with the memo off", async () => {
    const sha = identityOfManifest(JSON.parse(readFileSync(`${DIR}/2/manifest.json`, "utf8")));
    for (const memo of [true, false]) {
      let opens = 0;
      const base = fixtureSource();
      const source: ModelSource = { ...base, identity: () => sha, open: (n, v) => (opens++, base.open(n, v)) };
      const registry = new Registry([source], { memo, runtime: tfjsRuntime, pipelines });
      for (let i = 0; i < 3; i++) registry.release(await registry.load("tiny_graph", 2));
      // With the memo on, another test may already have loaded these bytes: at most one open.
      if (memo) expect(opens).toBeLessThanOrEqual(1);
      else expect(opens).toBe(3);
    }
  });

  it("refuses a version whose files are not the artifact the index names", async () => {
    const source: ModelSource = { ...fixtureSource(), identity: () => "0".repeat(64) };
    for (const memo of [true, false]) {
      const err = await failure(
        new Registry([source], { memo, runtime: tfjsRuntime, pipelines }).load("tiny_graph", 1),
      );
      expect(err.status).toBe(503);
      expect(err.message).toMatch(
        /^model 'tiny_graph' version 1: its files and manifest are not the artifact the fake index names \(identity [0-9a-f]{12}…, expected 000000000000…\)/,
      );
    }
  });
});
