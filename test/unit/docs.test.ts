/**
 * The docs name only what exists: every repository path, link (with its #anchor) and
 * `npm run <script>` in README.md, SECURITY.md, docs/**\/*.md and the model cards. What counts
 * as a path, and what is left alone (URLs, placeholders such as `<name>` or `N/V`), is written at
 * the top of test/support/doc-references.ts. The `--help` texts get the same check in
 * test/unit/help.test.ts, which already runs every script with --help.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { anchors, brokenReferences, findReferences, repository } from "../support/doc-references.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const repo = repository(ROOT);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? markdownFiles(join(dir, entry.name))
      : entry.name.endsWith(".md")
        ? [join(dir, entry.name)]
        : [],
  );
}

const DOCS = [
  "README.md",
  "SECURITY.md",
  ...markdownFiles(join(ROOT, "docs")).map((file) => relative(ROOT, file)),
  ...["flights", "seattle_weather"].map((model) => `model/${model}/MODEL_CARD.md`),
].sort();

describe("the docs name only what exists", () => {
  it.each(DOCS)("%s", (doc) => {
    const problems = brokenReferences(repo, doc, readFileSync(join(ROOT, doc), "utf8"), true);
    expect(problems, "a path, link or npm script named here does not exist").toEqual([]);
  });
});

describe("the check itself", () => {
  const planted = mkdtempSync(join(tmpdir(), "docs-check-"));
  afterAll(() => rmSync(planted, { recursive: true, force: true }));
  mkdirSync(join(planted, "docs"));
  mkdirSync(join(planted, "src/core"), { recursive: true });
  mkdirSync(join(planted, "dist"));
  writeFileSync(join(planted, ".gitignore"), "node_modules/\ndist/\n.cache/\n");
  writeFileSync(join(planted, "package.json"), JSON.stringify({ scripts: { start: "x", context: "y" } }));
  writeFileSync(join(planted, "src/core/errors.ts"), "");
  writeFileSync(join(planted, "docs/other.md"), "# Other page\n\n## The `toolchain`, pinned\n");
  const fake = repository(planted);

  it("passes a doc whose paths, links, anchors and scripts exist", () => {
    const doc = [
      "# Title",
      "See `src/core/errors.ts`, [other](other.md#the-toolchain-pinned), [back](../src/core/errors.ts)",
      "and [here](#title); `npm run context -- --help`; npm start.",
      "Placeholders: `src/pipelines/<name>/`, `src/core/N/V`, `test/**/*.test.ts`; built: `dist/e2e`, src/core/.cache/x;",
      "URLs: https://github.com/honojs/hono/blob/main/src/hono-base.ts, [x](https://example.com/src/a.ts).",
      "At the end of a sentence, src/core/errors.ts.",
    ].join("\n");
    expect(brokenReferences(fake, "docs/page.md", doc, true)).toEqual([]);
  });

  it("fails on a planted broken path, link, anchor and script, naming each with its line", () => {
    const doc = [
      "# Title",
      "Read `src/core/gone.ts` and run `npm run contxt -- --help`.",
      "[other](other.md#no-such-heading) and [missing](missing.md).",
      "```sh",
      "npm run context -- --file examples/weather/context.jsonl",
      "```",
    ].join("\n");
    expect(brokenReferences(fake, "docs/page.md", doc, true)).toEqual([
      "docs/page.md:2: npm run contxt: no such script in package.json",
      "docs/page.md:2: src/core/gone.ts does not exist",
      "docs/page.md:3: link other.md#no-such-heading: docs/other.md has no heading #no-such-heading",
      "docs/page.md:3: link missing.md: docs/missing.md does not exist",
    ]);
  });

  it("reads a help text the same way, without Markdown links", () => {
    const help = "examples:\n  npm run context -- --validate src/core/missing.json [a](nowhere.md)";
    expect(findReferences(help, fake.folders, false).map((ref) => ref.text)).toEqual([
      "context",
      "src/core/missing.json",
    ]);
  });

  it("the real tree's folders come from the root, minus ignored ones", () => {
    expect([...repo.folders]).toEqual(expect.arrayContaining(["src", "docs", "test", "model", "scripts"]));
    expect(repo.folders.has("node_modules")).toBe(false);
    expect(repo.folders.has("dist")).toBe(false);
  });

  it("slugs headings as GitHub does, numbering repeats", () => {
    expect([...anchors("# A `b`: c.d\n## Toolchain\n## Toolchain\n```\n# not a heading\n```")]).toEqual([
      "a-b-cd",
      "toolchain",
      "toolchain-1",
    ]);
  });
});
