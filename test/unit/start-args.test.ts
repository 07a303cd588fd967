/** `npm start -- --persist-to DIR` seeds the state wrangler dev will serve (DIR/v3), not the default. */
import { describe, expect, it } from "vitest";
import { persistToOf } from "../../scripts/local-context.ts";

describe("persistToOf", () => {
  it("finds --persist-to in either spelling, and nothing when absent", () => {
    expect(persistToOf(["--port", "9000", "--persist-to", "/tmp/s"])).toBe("/tmp/s");
    expect(persistToOf(["--persist-to=/tmp/a=b"])).toBe("/tmp/a=b");
    expect(persistToOf(["--port", "9000"])).toBeUndefined();
  });
});
