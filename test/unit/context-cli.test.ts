/**
 * `npm run context` end to end: the real CLI (tsx) writes into a temporary `--persist-to`
 * directory, read back here with Miniflare's own KV API bound as wrangler.toml binds CONTEXT
 * (namespace 0…0, state in <dir>/v3, as `wrangler dev` keeps it).
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const scratch = mkdtempSync(join(tmpdir(), "context-cli-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function context(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/context-cli.ts", ...args],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function readBack(persistTo: string, keys: string[]): Promise<Record<string, unknown>> {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response() } }",
    kvNamespaces: { CONTEXT: "00000000000000000000000000000000" },
    defaultPersistRoot: join(persistTo, "v3"),
  });
  try {
    const kv = await mf.getKVNamespace("CONTEXT");
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = JSON.parse((await kv.get(key, "text")) ?? "null");
    return out;
  } finally {
    await mf.dispose();
  }
}

const write = (name: string, text: string) => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};

const MODEL_DIR = join(scratch, "model");
mkdirSync(MODEL_DIR);
writeFileSync(
  join(MODEL_DIR, "manifest.json"),
  JSON.stringify({
    context: {
      fields: [{ name: "id", dtype: "string" }],
      lookups: [
        {
          name: "user",
          key: "user:{id}",
          fields: [
            { name: "spend", dtype: "float32", default: 0 },
            { name: "vip", dtype: "bool", default: false },
          ],
        },
      ],
      features: [{ from: "user.spend" }],
    },
  }),
);

describe("npm run context", () => {
  it("put: loads .jsonl and .csv into local KV, stamping updated_at only where absent; get reads a key back", async () => {
    const state = join(scratch, "state");
    const jsonl = write(
      "users.jsonl",
      [
        JSON.stringify({ key: "user:a", value: { spend: 12.5, vip: true } }),
        JSON.stringify({ key: "user:b", value: { spend: 3, vip: false, updated_at: "2020-01-01T00:00:00Z" } }),
      ].join("\n"),
    );
    const csv = write("users.csv", 'key,spend,vip,note\nuser:c,7,false,"a, quoted ""note"""\n');
    const put = await context("put", jsonl, "--persist-to", state, "--stamp", "2026-01-02T03:04:05Z");
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout).toMatch(/putting 2 keys .* \(updated_at 2026-01-02T03:04:05Z stamped on 1\)/);
    expect(put.stdout).toContain("2/2 keys");
    const putCsv = await context("put", csv, "--persist-to", state, "--stamp", "2026-01-02T03:04:05Z");
    expect(putCsv.code, putCsv.stderr).toBe(0);
    expect(await readBack(state, ["user:a", "user:b", "user:c"])).toEqual({
      "user:a": { spend: 12.5, vip: true, updated_at: "2026-01-02T03:04:05Z" },
      "user:b": { spend: 3, vip: false, updated_at: "2020-01-01T00:00:00Z" },
      "user:c": { spend: 7, vip: false, note: 'a, quoted "note"', updated_at: "2026-01-02T03:04:05Z" },
    });
    const got = await context("get", "user:c", "--persist-to", state);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({
      spend: 7,
      vip: false,
      note: 'a, quoted "note"',
      updated_at: "2026-01-02T03:04:05Z",
    });
    const none = await context("get", "user:zzz", "--persist-to", state);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no value under 'user:zzz'");
  }, 120_000);

  it("put --remote --dry-run: one wrangler kv bulk put per chunk of 5,000 keys, nothing written", async () => {
    const many = write(
      "many.jsonl",
      Array.from({ length: 12_001 }, (_, i) => JSON.stringify({ key: `user:${i}`, value: { spend: i } })).join("\n"),
    );
    const dry = await context("put", many, "--remote", "--env", "staging", "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    const commands = dry.stdout.split("\n").filter((l) => l.includes("npx wrangler kv bulk put"));
    expect(commands).toHaveLength(3);
    expect(commands[0]).toMatch(/--binding CONTEXT --remote --env staging$/);
  });

  it("validate: every key matches a template and every value the declared fields, or exit 1 naming them", async () => {
    const good = write("good.jsonl", JSON.stringify({ key: "user:a", value: { spend: 1, vip: true } }));
    const ok = await context("validate", MODEL_DIR, good);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("every entry matches");
    expect(ok.stdout).toContain("user: 1");
    const bad = write(
      "bad.jsonl",
      [
        JSON.stringify({ key: "user:a", value: { spend: "1", vip: true } }),
        JSON.stringify({ key: "acct:a", value: { spend: 1, vip: true } }),
        JSON.stringify({ key: "user:b", value: { spend: 1, vip: true, updated_at: "last week" } }),
      ].join("\n"),
    );
    const refused = await context("validate", MODEL_DIR, bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("3 entries do not match");
    expect(refused.stderr).toContain(`user:a (lookup 'user'): field 'spend' should be a float32, the value has "1"`);
    expect(refused.stderr).toContain("acct:a: matches no lookup's key template (user:{id})");
    expect(refused.stderr).toContain("user:b (lookup 'user'): updated_at is not an ISO 8601 instant");
  });

  it("models publish refuses a context section that does not fit the model, before writing anything", async () => {
    const dir = join(scratch, "tiny-ctx");
    cpSync(join(ROOT, "model/artifacts/tiny_graph/1"), dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    manifest.name = "tiny_ctx";
    manifest.context = {
      fields: [{ name: "id", dtype: "string" }],
      lookups: [{ name: "user", key: "user:{id}", fields: [{ name: "spend", dtype: "float32", default: 0 }] }],
      features: [{ from: "user.spend" }], // 1 feature; tiny_graph takes 4
    };
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    const publish = (...args: string[]) =>
      new Promise<{ code: number; stderr: string }>((done) =>
        execFile(
          process.execPath,
          ["--import", "tsx", "scripts/models.ts", "publish", dir, "--name", "tiny_ctx", "--version", "1", ...args],
          { cwd: ROOT, timeout: 120_000 },
          (error, _stdout, stderr) =>
            done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stderr }),
        ),
      );
    const state = join(scratch, "publish-state");
    const wide = await publish("--persist-to", state);
    expect(wide.code).toBe(1);
    expect(wide.stderr).toMatch(
      /context section does not fit the model: .*builds 1 float32 features, the model input 'x' is float32 \[-1, 4\]/,
    );
    manifest.context.lookups[0].key = "user:{uid}";
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    const template = await publish("--persist-to", state);
    expect(template.code).toBe(1);
    expect(template.stderr).toContain(
      "context.lookups.0.key: key template 'user:{uid}' names 'uid', which is not a field",
    );
  });

  it("refuses a missing command or file format with a usage error (exit 2)", async () => {
    expect((await context()).code).toBe(2);
    const txt = await context("put", write("x.txt", "hi"), "--dry-run");
    expect([txt.code, txt.stderr.trim()]).toEqual([
      1,
      `npm run context: ${join(scratch, "x.txt")}: expected a .jsonl, .json or .csv file, got '.txt'`,
    ]);
  });
});
