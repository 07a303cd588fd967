/**
 * `npm run models` end to end: the real CLI (tsx) drives the real wrangler against a temporary
 * `--persist-to` directory, and what it wrote is read back with Miniflare's own KV and R2 APIs,
 * bound as wrangler.toml binds them (REGISTRY = namespace 0…01, MODELS = bucket
 * stateless-serve-models; wrangler keeps local state in <dir>/v3, as `wrangler dev` does).
 * The artifact identity is recomputed here with node:crypto over the documented line format.
 * Each wrangler call takes a second or more, so the tests make few and seed state through Miniflare.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { ManifestSchema } from "../../src/core/models/manifest.ts";
import { type ModelRecord, ModelRecordSchema } from "../../src/core/models/record.ts";
import { identityOfManifest } from "../support/repository.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const TIMEOUT = 240_000;
const scratch = mkdtempSync(join(tmpdir(), "models-cli-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const tempDir = (what: string) => join(scratch, `${what}-${++dirs}`);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[]): Promise<Outcome> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script, ...args],
      { cwd: ROOT, timeout: TIMEOUT, maxBuffer: 16 << 20 },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
const models = (...args: string[]) => run("scripts/models.ts", args);

/** Opens the local state wrangler wrote under `persistTo` with the Worker's bindings. */
async function withState<T>(persistTo: string, use: (kv: KVNamespace, bucket: R2Bucket) => Promise<T>): Promise<T> {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response() } }",
    kvNamespaces: { REGISTRY: "00000000000000000000000000000001" },
    r2Buckets: { MODELS: "stateless-serve-models" },
    defaultPersistRoot: join(persistTo, "v3"),
  });
  try {
    const kv = (await mf.getKVNamespace("REGISTRY")) as unknown as KVNamespace;
    const bucket = (await mf.getR2Bucket("MODELS")) as unknown as R2Bucket;
    return await use(kv, bucket);
  } finally {
    await mf.dispose();
  }
}

const readRecord = (persistTo: string, name: string) => withState(persistTo, (kv) => kv.get(`model:${name}`));
const seedRecord = (persistTo: string, name: string, record: ModelRecord) =>
  withState(persistTo, (kv) => kv.put(`model:${name}`, JSON.stringify(record)));

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/**
 * The identity the record stores (test/support/repository.ts, independent of the code): the
 * manifest as uploaded, whose `files` must be the sha256 of the artifact files read here.
 */
function identityOf(dir: string, files: string[]): string {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  expect(Object.keys(manifest.files).sort()).toEqual([...files].sort());
  for (const f of files) expect(manifest.files[f], f).toBe(sha256(readFileSync(join(dir, f))));
  return identityOfManifest(manifest);
}

/** A copy of a bundled fixture version, as the converter wrote it (no manifest.json unless asked). */
function fixtureCopy(model: string, version: number, keepManifest = false): string {
  const dir = tempDir(`${model}-${version}`);
  cpSync(join(ROOT, "model/artifacts", model, String(version)), dir, { recursive: true });
  if (!keepManifest) rmSync(join(dir, "manifest.json"));
  return dir;
}

const entry = {
  sha256: "a".repeat(64),
  format: "graph-model" as const,
  bytes: 100,
  published: "2026-11-01T00:00:00.000Z",
};

describe("npm run models -- publish", () => {
  it(
    "publishes a converter directory: R2 objects equal the files, manifest.json is written, the record is written last with the version's identity",
    async () => {
      const dir = fixtureCopy("tiny_graph", 1);
      const persistTo = tempDir("state");
      const { code, stdout, stderr } = await models(
        "publish",
        dir,
        "--name",
        "tiny_graph",
        "--version",
        "5",
        "--label",
        "stable",
        "--persist-to",
        persistTo,
      );
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(`wrote ${join(dir, "manifest.json")} (the directory had none)`);
      expect(stdout).toMatch(/\[1\/3\] group1-shard1of1\.bin .*\n.*\[2\/3\] model\.json .*\n.*\[3\/3\] manifest\.json/);
      expect(stderr).toMatch(/^5 wrangler calls/m); // read the record, 3 uploads, write the record

      const artifact = ["model.json", "group1-shard1of1.bin"];
      const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
      expect(manifest).toMatchObject({ name: "tiny_graph", version: 5, format: "graph-model" });
      expect(manifest.files).toEqual(Object.fromEntries(artifact.map((f) => [f, sha256(readFileSync(join(dir, f)))])));
      expect(manifest.signature.inputs.map((s) => [s.name, s.dtype, s.shape])).toEqual([["x", "float32", [-1, 4]]]);

      await withState(persistTo, async (kv, bucket) => {
        for (const file of [...artifact, "manifest.json"]) {
          const object = await bucket.get(`models/tiny_graph/5/${file}`);
          expect(object, file).not.toBeNull();
          expect(Buffer.from(await object!.arrayBuffer()).equals(readFileSync(join(dir, file))), file).toBe(true);
        }
        const record = ModelRecordSchema.parse(JSON.parse((await kv.get("model:tiny_graph"))!));
        const bytes = artifact.reduce((n, f) => n + readFileSync(join(dir, f)).byteLength, 0);
        expect(record.versions["5"]).toMatchObject({ sha256: identityOf(dir, artifact), format: "graph-model", bytes });
        expect(Date.parse(record.versions["5"]!.published!)).not.toBeNaN();
        expect(record.labels).toEqual({ stable: 5 });
        expect(record.history).toEqual({});
      });
    },
    TIMEOUT,
  );

  it(
    "refuses a version the record already has, before writing the manifest or any object",
    async () => {
      const dir = fixtureCopy("tiny_graph", 1);
      const persistTo = tempDir("state");
      const seeded: ModelRecord = { versions: { "5": entry }, labels: { stable: 5 }, canary_percent: 0, history: {} };
      await seedRecord(persistTo, "tiny_graph", seeded);
      const { code, stderr } = await models(
        "publish",
        dir,
        "--name",
        "tiny_graph",
        "--version",
        "5",
        "--persist-to",
        persistTo,
      );
      expect(code).toBe(1);
      expect(stderr).toContain(
        "error: tiny_graph version 5 is already published (sha256 aaaaaaaaaaaa…); published versions are immutable",
      );
      expect(stderr).toContain("--version 6");
      expect(existsSync(join(dir, "manifest.json"))).toBe(false);
      await withState(persistTo, async (kv, bucket) => {
        expect(JSON.parse((await kv.get("model:tiny_graph"))!)).toEqual(seeded);
        expect((await bucket.list()).objects).toEqual([]);
      });
    },
    TIMEOUT,
  );

  const withManifest = (edit: (dir: string, manifest: Record<string, unknown>) => void) => (dir: string) => {
    const path = join(dir, "manifest.json");
    const manifest = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    edit(dir, manifest);
    writeFileSync(path, JSON.stringify(manifest));
  };
  const badDirs: Array<[string, boolean, (dir: string) => void, string]> = [
    [
      "a missing shard",
      false,
      (dir) => rmSync(join(dir, "group1-shard1of1.bin")),
      `cannot read shard "group1-shard1of1.bin"`,
    ],
    [
      "a shard one byte short",
      false,
      (dir) =>
        writeFileSync(join(dir, "group1-shard1of1.bin"), readFileSync(join(dir, "group1-shard1of1.bin")).subarray(1)),
      "shards [group1-shard1of1.bin] hold 48 bytes, but the weights need 49 bytes",
    ],
    [
      "model.json that is not JSON",
      false,
      (dir) => writeFileSync(join(dir, "model.json"), "{ not json"),
      "cannot read model.json",
    ],
    [
      "a model.json that is neither format",
      false,
      (dir) =>
        writeFileSync(
          join(dir, "model.json"),
          JSON.stringify({ modelTopology: { something: 1 }, weightsManifest: [] }),
        ),
      "neither a layers-model nor a graph-model",
    ],
    [
      "a shard changed after its manifest.json was written",
      true,
      withManifest((dir, manifest) => {
        Object.assign(manifest, { version: 5 });
        const shard = readFileSync(join(dir, "group1-shard1of1.bin"));
        shard[0] = shard[0]! ^ 0xff;
        writeFileSync(join(dir, "group1-shard1of1.bin"), shard);
      }),
      "group1-shard1of1.bin has sha256",
    ],
    [
      "a manifest.json for another version",
      true,
      withManifest(() => {}),
      "its manifest.json is for tiny_graph version 1, not tiny_graph version 5",
    ],
  ];
  it.each(badDirs)(
    "refuses a directory with %s, with a clear message, and writes nothing",
    async (_what, keepManifest, spoil, message) => {
      const dir = fixtureCopy("tiny_graph", 1, keepManifest);
      spoil(dir);
      const before = readdirSync(dir).sort();
      const persistTo = tempDir("state");
      const { code, stderr } = await models(
        "publish",
        dir,
        "--name",
        "tiny_graph",
        "--version",
        "5",
        "--persist-to",
        persistTo,
      );
      expect(code).toBe(1);
      expect(stderr).toContain(`error: refused ${dir}: `);
      expect(stderr).toContain(message);
      expect(stderr).toContain("Nothing was written.");
      expect(existsSync(persistTo), "wrangler never ran, so no local state was created").toBe(false);
      expect(readdirSync(dir).sort()).toEqual(before);
    },
    TIMEOUT,
  );

  it(
    "publishes the TF.js converter's MobileNetV2 (from nsfwjs) with one command",
    async () => {
      const dir = tempDir("mobilenet_v2");
      const extracted = await run("model/converter/extract.ts", ["--out", dir]);
      expect(extracted.code, extracted.stderr).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(["group1-shard1of1", "model.json"]);
      const modelJson = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as {
        modelTopology: { keras_version: string };
        weightsManifest: Array<{ weights: Array<{ shape: number[]; quantization?: { dtype: string } }> }>;
      };
      expect(modelJson.modelTopology.keras_version).toBe("2.2.4");
      const weights = modelJson.weightsManifest.flatMap((g) => g.weights);
      expect(weights.every((w) => w.quantization?.dtype === "uint8")).toBe(true);
      // uint8: one byte per value, so the shard holds exactly the weights' element count.
      expect(readFileSync(join(dir, "group1-shard1of1")).byteLength).toBe(
        weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0),
      );

      const persistTo = tempDir("state");
      const { code, stdout, stderr } = await models(
        "publish",
        dir,
        "--name",
        "mobilenet_v2",
        "--version",
        "1",
        "--label",
        "stable",
        "--persist-to",
        persistTo,
      );
      expect(code, stderr).toBe(0);
      expect(stdout).toContain("TF.js loads it: inputs input_1 float32 [-1,224,224,3]; outputs dense_3 float32 [-1,5]");
      expect(stdout).toMatch(/one zero-filled example ran on the wasm backend/);
      expect(stderr).toMatch(/^5 wrangler calls/m);

      const artifact = ["model.json", "group1-shard1of1"];
      await withState(persistTo, async (kv, bucket) => {
        for (const file of [...artifact, "manifest.json"]) {
          const object = await bucket.get(`models/mobilenet_v2/1/${file}`);
          expect(Buffer.from(await object!.arrayBuffer()).equals(readFileSync(join(dir, file))), file).toBe(true);
        }
        const record = ModelRecordSchema.parse(JSON.parse((await kv.get("model:mobilenet_v2"))!));
        expect(record.versions["1"]).toMatchObject({
          sha256: identityOf(dir, artifact),
          format: "layers-model",
          bytes: 117928 + 2619461,
        });
        expect(record.labels).toEqual({ stable: 1 });
      });
    },
    TIMEOUT,
  );
});

describe("npm run models -- label / rollback / canary / list", () => {
  it(
    "label pushes the previous version onto the history, rollback pops it, and both refuse what they cannot do",
    async () => {
      const persistTo = tempDir("state");
      await seedRecord(persistTo, "tiny_graph", {
        versions: { "5": entry, "6": entry },
        labels: { stable: 5 },
        canary_percent: 0,
        history: {},
      });
      const record = async () => ModelRecordSchema.parse(JSON.parse((await readRecord(persistTo, "tiny_graph"))!));

      let out = await models("label", "tiny_graph", "stable", "6", "--persist-to", persistTo);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(
        "tiny_graph: label stable → 6 (was 5; `npm run models -- rollback tiny_graph stable` returns to it)",
      );
      out = await models("label", "tiny_graph", "stable", "9", "--persist-to", persistTo);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(
        "error: tiny_graph has no version 9 to label; versions: 5, 6, 1 (bundled), 2 (bundled)",
      );
      expect(await record()).toMatchObject({ labels: { stable: 6 }, history: { stable: [5] } });

      out = await models("rollback", "tiny_graph", "stable", "--persist-to", persistTo);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain("tiny_graph: label stable → 5 (rolled back from 6)");
      expect(await record()).toMatchObject({ labels: { stable: 5 }, history: {} });
      out = await models("rollback", "tiny_graph", "stable", "--persist-to", persistTo);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(
        "error: tiny_graph: label 'stable' → 5 has no earlier version to roll back to (its history is empty)",
      );
    },
    TIMEOUT,
  );

  it(
    "canary checks the percent before calling wrangler, needs a canary label (which may point at a bundled version), and 0 turns it off",
    async () => {
      const persistTo = tempDir("state");
      for (const bad of ["150", "100.5", "ten"]) {
        const out = await models("canary", "tiny_graph", bad, "--persist-to", persistTo);
        expect(out.code, bad).toBe(2);
        expect(out.stderr).toContain(
          `canary percent must be a number from 0 to 100 (0 turns the canary off), got '${bad}'`,
        );
      }
      expect(existsSync(persistTo), "no wrangler call for a bad percent").toBe(false);

      await seedRecord(persistTo, "tiny_graph", {
        versions: { "5": entry },
        labels: { stable: 5 },
        canary_percent: 0,
        history: {},
      });
      let out = await models("canary", "tiny_graph", "10", "--persist-to", persistTo);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain("tiny_graph has no 'canary' label");
      out = await models("label", "tiny_graph", "canary", "1", "--persist-to", persistTo);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain("tiny_graph: label canary → 1 (bundled)");
      out = await models("canary", "tiny_graph", "12.5", "--persist-to", persistTo);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(
        "tiny_graph: 12.5% of default traffic goes to label canary → 1, the rest follows label stable → 5",
      );

      out = await models("list", "tiny_graph", "--json", "--persist-to", persistTo);
      expect(out.code, out.stderr).toBe(0);
      const listed = JSON.parse(out.stdout) as Record<string, ModelRecord>;
      expect(listed.tiny_graph).toMatchObject({ labels: { stable: 5, canary: 1 }, canary_percent: 12.5 });
      expect(listed.tiny_graph).toEqual(
        ModelRecordSchema.parse(JSON.parse((await readRecord(persistTo, "tiny_graph"))!)),
      );

      out = await models("canary", "tiny_graph", "0", "--persist-to", persistTo);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain("tiny_graph: canary off; default traffic follows label stable → 5");
      expect(JSON.parse((await readRecord(persistTo, "tiny_graph"))!)).toMatchObject({
        canary_percent: 0,
        labels: { canary: 1 },
      });
    },
    TIMEOUT,
  );
});

describe("npm run models -- shadow", () => {
  it(
    "checks --sample before calling wrangler, needs a version the model has (published or bundled), writes the setting, and --off removes it",
    async () => {
      const persistTo = tempDir("state");
      for (const bad of ["0", "1.5", "ten"]) {
        const out = await models("shadow", "tiny_graph", "1", "--sample", bad, "--persist-to", persistTo);
        expect(out.code, bad).toBe(2);
        expect(out.stderr).toContain(`--sample must be a number above 0 and at most 1`);
        expect(out.stderr).toContain(`got '${bad}'`);
      }
      const usage = await Promise.all([
        models("shadow", "tiny_graph", "1", "--off", "--persist-to", persistTo),
        models("shadow", "tiny_graph", "--persist-to", persistTo),
        models("shadow", "tiny_graph", "--off", "--sample", "0.5", "--persist-to", persistTo),
      ]);
      expect(usage.map((u) => u.code)).toEqual([2, 2, 2]);
      expect(usage[0]!.stderr).toContain("shadow takes N, got tiny_graph 1");
      expect(usage[1]!.stderr).toContain("shadow takes N V, got tiny_graph");
      expect(usage[2]!.stderr).toContain("shadow --off takes no --sample");
      expect(existsSync(persistTo), "no wrangler call for a bad command line").toBe(false);

      await seedRecord(persistTo, "tiny_graph", {
        versions: { "5": entry },
        labels: { stable: 5 },
        canary_percent: 0,
        history: {},
      });
      let out = await models("shadow", "tiny_graph", "9", "--persist-to", persistTo);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain("tiny_graph has no version 9 to shadow with; versions: 5, 1 (bundled), 2 (bundled)");
      out = await models("shadow", "tiny_graph", "2", "--sample", "0.25", "--persist-to", persistTo);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(
        "tiny_graph: version 2 runs in the shadow of the answering version on 25% of requests",
      );
      const stored = JSON.parse((await readRecord(persistTo, "tiny_graph"))!);
      expect(stored).toMatchObject({ labels: { stable: 5 }, shadow: { version: 2, sample: 0.25 } });
      expect(ModelRecordSchema.safeParse(stored).success).toBe(true);

      out = await models("list", "tiny_graph", "--persist-to", persistTo);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain("tiny_graph, shadow → 2 on 25% of requests");

      out = await models("shadow", "tiny_graph", "5", "--persist-to", persistTo); // the default sample
      expect(out.code, out.stderr).toBe(0);
      expect(JSON.parse((await readRecord(persistTo, "tiny_graph"))!).shadow).toEqual({ version: 5, sample: 0.1 });

      out = await models("shadow", "tiny_graph", "--off", "--persist-to", persistTo);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain("tiny_graph: shadow off (was version 5 on 10% of requests)");
      expect(JSON.parse((await readRecord(persistTo, "tiny_graph"))!)).toMatchObject({
        shadow: null,
        labels: { stable: 5 },
        versions: { "5": entry },
      });
    },
    TIMEOUT,
  );
});

describe("npm run models -- --help", () => {
  it(
    "describes the tool and each command, and refuses unknown commands and flags without calling wrangler",
    async () => {
      const [top, ...commands] = await Promise.all([
        models("--help"),
        ...["publish", "list", "label", "rollback", "canary", "shadow", "rollout", "status"].map((c) =>
          models(c, "--help"),
        ),
      ]);
      expect(top!.code).toBe(0);
      expect(top!.stdout).toMatch(/^usage: npm run models -- <command>/);
      for (const c of [
        "publish <dir> --name N --version V",
        "list [N]",
        "label N L V",
        "rollback N L",
        "canary N PERCENT",
        "shadow N V [--sample S] | shadow N --off",
        "rollout N V",
        "rollout N --abort",
        "status N",
      ])
        expect(top!.stdout).toContain(c);
      for (const [i, c] of [
        "publish",
        "list",
        "label",
        "rollback",
        "canary",
        "shadow",
        "rollout",
        "status",
      ].entries()) {
        expect(commands[i]!.code).toBe(0);
        expect(commands[i]!.stdout).toMatch(new RegExp(`^usage: npm run models -- ${c} `));
        expect(commands[i]!.stdout).toContain("--persist-to DIR");
      }
      const [unknown, flag, mixed] = await Promise.all([
        models("promote", "x"),
        models("label", "m", "stable", "1", "--name", "x"),
        models("list", "--remote", "--persist-to", tempDir("state")),
      ]);
      expect([unknown.code, flag.code, mixed.code]).toEqual([2, 2, 2]);
      expect(unknown.stderr).toContain("unknown command 'promote'; commands: publish, list, label, rollback, canary");
      expect(flag.stderr).toContain("label does not take --name");
      expect(mixed.stderr).toContain("--remote cannot be combined with --local or --persist-to");
    },
    TIMEOUT,
  );
});
