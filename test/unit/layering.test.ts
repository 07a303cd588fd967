/**
 * The layers of src/ (DESIGN.md "Architecture"): the rules live in .dependency-cruiser.cjs and
 * are checked here through dependency-cruiser's API, so `npm test` keeps the picture true.
 * The second block cruises a small planted tree that breaks each rule once, so a rule that
 * silently stops matching (a renamed folder, a resolver that no longer sees `.ts` imports)
 * fails a test instead of passing everything.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { cruise, type ICruiseOptions, type ICruiseResult, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");

/** One line per violation: `rule: from → to`, cycles as the whole loop. */
function describeViolation(v: IViolation): string {
  const path = v.cycle?.length ? [v.from, ...v.cycle.map((step) => step.name)].join(" → ") : `${v.from} → ${v.to}`;
  return `${v.rule.name}: ${path}`;
}

/** Cruises `dirs` (relative to baseDir) with the project's rules and tsconfig. */
async function cruiseWithRules(dirs: string[], baseDir: string): Promise<ICruiseResult> {
  const options: ICruiseOptions = { ...(await extractDepcruiseOptions(CONFIG)), baseDir };
  const tsConfig = extractTSConfig(join(ROOT, "tsconfig.json"));
  const { output } = await cruise(dirs, options, {}, { tsConfig });
  if (typeof output === "string") throw new Error(`dependency-cruiser returned text, not a result: ${output}`);
  return output;
}

describe("src/ layering (.dependency-cruiser.cjs)", () => {
  let result: ICruiseResult;
  beforeAll(async () => {
    result = await cruiseWithRules(["src"], ROOT);
  }, 60_000);

  it("sees the whole tree and resolves every import (.ts extensions and packages alike)", () => {
    // A resolver that does not see `./x.ts` imports would find no edges and so no violations.
    expect(result.summary.totalCruised).toBeGreaterThan(50);
    const deps = result.modules.flatMap((m) => m.dependencies);
    expect(deps.filter((d) => d.module.startsWith(".")).length).toBeGreaterThan(100);
    const unresolved = deps.filter((d) => d.couldNotResolve && !d.module.startsWith("cloudflare:"));
    expect(unresolved.map((d) => d.module)).toEqual([]);
    // Packages resolve to their JavaScript in node_modules, which is where core-no-platform looks
    // (not to a .d.ts: hono lists "types" first in its exports).
    const hono = deps.filter((d) => d.module === "hono").map((d) => d.resolved);
    expect(hono.length).toBeGreaterThan(0);
    expect(new Set(hono)).toEqual(new Set(["node_modules/hono/dist/index.js"]));
  });

  it("has no import cycles in src/", () => {
    const cycles = result.summary.violations.filter((v) => v.rule.name === "no-circular").map(describeViolation);
    expect(cycles, `import cycles:\n  ${cycles.join("\n  ")}`).toEqual([]);
  });

  it("keeps every arrow pointing down (no layering violations)", () => {
    const lines = result.summary.violations.map(describeViolation);
    expect(lines, `${lines.length} layering violation(s):\n  ${lines.join("\n  ")}`).toEqual([]);
  });
});

describe("the layering rules reject bad edges", () => {
  const base = mkdtempSync(join(tmpdir(), "stateless-serve-layering-"));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(base, path)), { recursive: true });
    writeFileSync(join(base, path), text);
  };
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("flags each planted violation once, by rule, and lets the allowed arrows through", async () => {
    // Allowed: http → worker → core; pipelines → core; runtime → core; adapters → core. A type-only
    // import counts (core/c.ts). dependency-cruiser reports a cycle once, from its first module.
    write("src/worker.ts", `import "./http/app.ts";\nimport "./rpc/contract.ts";\n`);
    for (const name of ["hono", "zod"]) {
      write(`node_modules/${name}/package.json`, JSON.stringify({ name, type: "module", main: "index.js" }));
      write(`node_modules/${name}/index.js`, "export {};\n");
    }
    write("src/core/a.ts", `import "./b.ts";\nimport "cloudflare:workers";\nimport "hono";\nimport "zod";\n`);
    write("src/core/b.ts", `import "./a.ts";\nimport "./missing.ts";\n`);
    write("src/core/c.ts", `import type { Contract } from "../rpc/contract.ts";\nexport type C = Contract;\n`);
    write("src/http/app.ts", `import "../worker/scope.ts";\nimport "../adapters/kv.ts";\n`);
    write("src/worker/scope.ts", `import "../core/a.ts";\nimport "../rpc/contract.ts";\n`);
    write("src/rpc/contract.ts", `export type Contract = 1;\n`);
    write("src/pipelines/flights/x.ts", `import "../../core/a.ts";\nimport "zod";\nimport "../other/y.ts";\n`);
    write("src/pipelines/other/y.ts", `import "../../adapters/leaf.ts";\n`);
    write("src/adapters/leaf.ts", `export {};\n`);
    write("src/runtime/tfjs/model.ts", `import "../../core/a.ts";\nimport "../../pipelines/flights/x.ts";\n`);
    write("src/adapters/kv.ts", `import "../core/a.ts";\nimport "../runtime/tfjs/model.ts";\n`);
    // A plug-in's adapter folder may import its own plug-in (and adapters, core), no other plug-in.
    write(
      "src/adapters/flights/day.ts",
      `import "../../pipelines/flights/x.ts";\nimport "../leaf.ts";\nimport "../../pipelines/other/y.ts";\n`,
    );

    const result = await cruiseWithRules(["src"], base);
    const lines = result.summary.violations.map(describeViolation).sort();
    expect(lines).toEqual(
      [
        "core-no-platform: src/core/a.ts → cloudflare:workers",
        "core-no-platform: src/core/a.ts → node_modules/hono/index.js",
        "core-no-outer-layers: src/core/c.ts → src/rpc/contract.ts",
        "no-circular: src/core/a.ts → src/core/b.ts → src/core/a.ts",
        "no-unresolvable: src/core/b.ts → ./missing.ts",
        "http-not-implementations: src/http/app.ts → src/adapters/kv.ts",
        "worker-not-transports: src/worker/scope.ts → src/rpc/contract.ts",
        "pipelines-only-core: src/pipelines/flights/x.ts → src/pipelines/other/y.ts",
        "pipelines-only-core: src/pipelines/other/y.ts → src/adapters/leaf.ts",
        "runtime-not-up: src/runtime/tfjs/model.ts → src/pipelines/flights/x.ts",
        "adapters-not-up: src/adapters/kv.ts → src/runtime/tfjs/model.ts",
        "plugin-adapters-own-plugin: src/adapters/flights/day.ts → src/pipelines/other/y.ts",
      ].sort(),
    );
  }, 60_000);
});
