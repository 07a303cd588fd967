/**
 * A version is served with its own manifest, whatever was loaded before it: two bundled versions
 * that share weights but differ in manifest (an output renamed, the pass-through fields, the
 * description) are two memo entries, in both load orders, with the isolate memo on and off. The
 * bundled index the build writes carries the identity of files AND manifest (checked against an
 * independent computation, test/support/repository.ts).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { type BundledModel, bundledSource } from "../../src/adapters/bundled/source.ts";
import { Registry } from "../../src/core/models/registry.ts";
import { predictV1 } from "../../src/core/serving/protocols.ts";
import { DEFAULT_LIMITS } from "../../src/core/tensors/tensors.ts";
import { ensureBackend } from "../../src/runtime/tfjs/backend.ts";
import { tfjsRuntime } from "../../src/runtime/tfjs/model.ts";
import { failure } from "../support/errors.ts";
import { identityOfManifest } from "../support/repository.ts";

const DIR = "model/artifacts/tiny_layers/2";
const encoder = new TextEncoder();
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const bytesOf = (text: string) => encoder.encode(text).buffer as ArrayBuffer;
type Manifest = { files: Record<string, string>; signature: { outputs: Array<{ name: string }> } } & Record<
  string,
  unknown
>;

/** Version A: the fixture's manifest. Version B: the same weights, `score` renamed `risk`, other pass-through fields. */
const manifestA = (): Manifest => JSON.parse(readFileSync(`${DIR}/manifest.json`, "utf8"));
function manifestB(): Manifest {
  const m = manifestA();
  m.signature.outputs[0]!.name = "risk";
  m.passthrough = ["ticket"];
  m.description = "the same weights, a fixed manifest";
  return m;
}

/**
 * A bundled model with versions 1 (A) and 2 (B) over one set of files; model.json is made unique per
 * test (`publishedAs`, ignored by TF.js) so no other test's memo entry can stand in.
 */
function bundledModel(name: string): BundledModel {
  const files: Record<string, ArrayBuffer> = {};
  for (const f of readdirSync(DIR).filter((f) => f !== "manifest.json")) {
    const b = readFileSync(`${DIR}/${f}`);
    files[f] = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }
  const modelJson = JSON.stringify({ ...JSON.parse(readFileSync(`${DIR}/model.json`, "utf8")), publishedAs: name });
  files["model.json"] = bytesOf(modelJson);
  const version = (v: number, manifest: Manifest) => {
    manifest.files["model.json"] = sha256(encoder.encode(modelJson));
    return {
      version: v,
      sha256: identityOfManifest(manifest),
      files: { ...files, "manifest.json": bytesOf(JSON.stringify(manifest, null, 2)) },
    };
  };
  return { name, labels: undefined, versions: [version(1, manifestA()), version(2, manifestB())] };
}

const context = { getMany: async () => ({ values: new Map(), degraded: false }) };
const inputs = { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] };
/** Each version's row carries its own pass-through field (an unknown field is a 400). */
const rows: Record<number, object> = { 1: { ...inputs, key: "k1" }, 2: { ...inputs, ticket: "t1" } };

async function ask(registry: Registry, name: string, version: number) {
  const deps = { registry, context, limits: DEFAULT_LIMITS };
  const { body } = await predictV1(deps, { name, version }, { instances: [rows[version]] });
  const served = await registry.load(name, version);
  registry.release(served);
  return { prediction: (body as { predictions: Array<Record<string, unknown>> }).predictions[0]!, served };
}

beforeAll(() => ensureBackend("cpu"));

describe("two bundled versions sharing weights, differing in manifest", () => {
  for (const memo of [true, false]) {
    for (const order of [
      [1, 2],
      [2, 1],
    ]) {
      it(`each answer with their own manifest (memo ${memo ? "on" : "off"}, version ${order[0]} first)`, async () => {
        const name = `ident_${memo ? "memo" : "nomemo"}_${order.join("")}`;
        const registry = new Registry([bundledSource([bundledModel(name)])], {
          memo,
          runtime: tfjsRuntime,
          pipelines: {},
        });
        const seen: Record<number, Awaited<ReturnType<typeof ask>>> = {};
        for (const v of order) seen[v] = await ask(registry, name, v);
        const a = seen[1]!;
        const b = seen[2]!;
        expect(Object.keys(a.prediction).sort()).toEqual(["key", "probs", "score"]);
        expect(Object.keys(b.prediction).sort()).toEqual(["probs", "risk", "ticket"]);
        expect(b.prediction.risk).toEqual(a.prediction.score); // same weights
        expect(a.served.description).toBe(manifestA().description);
        expect(b.served.description).toBe("the same weights, a fixed manifest");
        expect(a.served.sha256).not.toBe(b.served.sha256);
      });
    }
  }

  it("is refused when the index names the files' old identity (files only, not the manifest)", async () => {
    const model = bundledModel("ident_stale");
    const m = manifestB();
    m.files["model.json"] = JSON.parse(new TextDecoder().decode(model.versions[1]!.files["manifest.json"]!)).files[
      "model.json"
    ];
    const filesOnly = createHash("sha256")
      .update(
        Object.keys(m.files)
          .sort()
          .map((f) => `${f} ${m.files[f]}\n`)
          .join(""),
      )
      .digest("hex");
    model.versions[1]!.sha256 = filesOnly;
    for (const memo of [true, false]) {
      const registry = new Registry([bundledSource([model])], { memo, runtime: tfjsRuntime, pipelines: {} });
      const err = await failure(registry.load("ident_stale", 2));
      expect(err.status).toBe(503);
      expect(err.message).toMatch(/its files and manifest are not the artifact the bundled index names/);
    }
  });
});

describe("the bundled index the build writes", () => {
  it("names every version by the identity of its files and its manifest", () => {
    const generated = readFileSync("src/adapters/bundled/models.generated.ts", "utf8");
    const found = [...generated.matchAll(/name: "([^"]+)"|\{ version: (\d+), sha256: "([0-9a-f]{64})"/g)];
    let model = "";
    let checked = 0;
    for (const [, name, version, sha] of found) {
      if (name) {
        model = name;
        continue;
      }
      const manifest = JSON.parse(readFileSync(`model/artifacts/${model}/${version}/manifest.json`, "utf8"));
      expect(sha, `${model}/${version}`).toBe(identityOfManifest(manifest));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });
});
