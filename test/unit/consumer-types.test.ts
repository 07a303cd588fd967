/**
 * The example consumer type-checks against stateless-serve's client surface (src/client.ts) with
 * its own tsconfig and generated Env: a contract change that breaks callers fails here.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("examples/consumer", () => {
  it("type-checks against the published RPC types", () => {
    let output = "";
    try {
      execFileSync("npx", ["tsc", "--noEmit", "-p", "examples/consumer"], { encoding: "utf8", stdio: "pipe" });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output).toBe("");
  });
});
