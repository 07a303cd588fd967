/** The fuzzer's own parts: the invariant flags what it must, and mutations stay near-valid. */
import { describe, expect, it } from "vitest";
import { type Mutation, mutate, problemWith, VALID } from "../support/fuzz.ts";

const answer = (status: number, body: unknown, contentType = "application/json") => ({
  status,
  text: typeof body === "string" ? body : JSON.stringify(body),
  contentType,
});

describe("the fuzz invariant", () => {
  it("accepts JSON answers and {error} errors", () => {
    expect(problemWith(answer(200, { predictions: [] }), "")).toBeUndefined();
    expect(problemWith(answer(400, { error: "instances: expected an array" }), "")).toBeUndefined();
  });

  it("flags 5xx, non-JSON, extra keys, empty errors and stack traces", () => {
    expect(problemWith(answer(500, { error: "internal error" }), "")).toMatch(/status 500/);
    expect(problemWith(answer(400, "oops", "text/plain"), "")).toMatch(/content-type/);
    expect(problemWith(answer(400, "{", "application/json"), "")).toMatch(/not JSON/);
    expect(problemWith(answer(400, { error: "x", detail: 1 }), "")).toMatch(/not \{"error": string\}/);
    expect(problemWith(answer(404, { error: "" }), "")).toMatch(/not \{"error": string\}/);
    expect(problemWith(answer(400, { error: "TypeError: x\n    at decode (src/core/codecs/v1.ts:12:3)" }), "")).toMatch(
      /stack trace/,
    );
    expect(problemWith(answer(400, { error: "failed in v2.ts:81" }), "")).toMatch(/stack trace/);
  });

  it("does not flag a message that only echoes what the client sent", () => {
    expect(
      problemWith(answer(404, { error: "no route for GET /v1/models/a.ts:1" }), "/v1/models/a.ts:1"),
    ).toBeUndefined();
  });
});

describe("mutations", () => {
  const m = (over: Partial<Mutation>): Mutation => ({
    at: 0,
    op: "replace",
    value: null,
    special: 0,
    key: "k",
    ...over,
  });
  const body = { instances: [{ x: [1, 2] }] };

  it("change one position and leave the original alone", () => {
    expect(mutate(body, m({ at: 1, op: "delete" }))).toEqual({});
    expect(mutate(body, m({ at: 4, op: "replace", value: "a" }))).toEqual({ instances: [{ x: ["a", 2] }] });
    expect(mutate(body, m({ at: 2, op: "duplicate" }))).toEqual({ instances: [{ x: [1, 2] }, { x: [1, 2] }] });
    expect(mutate(body, m({ at: 3, op: "rename", key: "y" }))).toEqual({ instances: [{ y: [1, 2] }] });
    expect(mutate(body, m({ at: 3, op: "wrap" }))).toEqual({ instances: [{ x: [[1, 2]] }] });
    expect(mutate(body, m({ at: 0, op: "stringify" }))).toBe(JSON.stringify(body));
    expect(body).toEqual({ instances: [{ x: [1, 2] }] });
  });

  it("start from requests that are valid (the case table's 200s and one per fixture model)", () => {
    expect(VALID.length).toBeGreaterThanOrEqual(6);
    expect(new Set(VALID.map((v) => v.path.split("/")[3]?.split(":")[0]))).toEqual(
      new Set(["tiny_layers", "tiny_graph", "tiny_text"]),
    );
  });
});
