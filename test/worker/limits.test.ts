/**
 * Every request limit is a var (wrangler.toml [vars]) and holds through HTTP at the configured
 * value: body size (413, declared or streamed), instances/rows per request, elements per tensor,
 * and string length (400 naming the limit).
 */
import { describe, expect, it } from "vitest";
import { appWith } from "../support/app-with.ts";

const row = { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] };
const V1 = "/v1/models/tiny_layers/versions/1:predict";
const V2 = "/v2/models/tiny_layers/versions/1/infer";
const v2Body = (rows: number) => ({
  inputs: [
    { name: "features", shape: [rows, 4], datatype: "FP32", data: new Array(rows * 4).fill(0.5) },
    { name: "extra", shape: [rows, 2], datatype: "FP32", data: new Array(rows * 2).fill(1) },
  ],
});
const text = (s: string) => ({ instances: [{ text: s, count: 1 }] });

describe("MAX_BODY_BYTES", () => {
  const api = appWith({ MAX_BODY_BYTES: "120" });
  const body = (pad: number) => JSON.stringify({ instances: [{ ...row, key: "x".repeat(pad) }] });
  const exact = 120 - body(0).length;

  it("serves a body of exactly the limit and refuses one byte more with 413", async () => {
    expect(body(exact)).toHaveLength(120);
    expect((await api.post(V1, body(exact))).status).toBe(200);
    const res = await api.post(V1, body(exact + 1));
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: "request body: at most 120 bytes are allowed, got more" });
  });

  it("refuses on a declared Content-Length before reading, on v1 and v2", async () => {
    for (const path of [V1, V2]) {
      const res = await api.post(path, "{}", { "content-type": "application/json", "content-length": "121" });
      expect(res.status).toBe(413);
      expect(res.json.error).toBe("request body: at most 120 bytes are allowed, Content-Length says 121");
    }
  });
});

describe("MAX_BATCH", () => {
  const api = appWith({ MAX_BATCH: "2" });
  it("allows the limit and refuses one more instance (v1) or row (v2)", async () => {
    expect((await api.post(V1, { instances: [row, row] })).status).toBe(200);
    expect((await api.post(V1, { instances: [row, row, row] })).json.error).toBe(
      "instances: at most 2 instances are allowed per request, got 3",
    );
    expect((await api.post(V2, v2Body(2))).status).toBe(200);
    const res = await api.post(V2, v2Body(3));
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/at most 2 rows are allowed per request, got 3/);
  });
});

describe("MAX_ELEMENTS", () => {
  const api = appWith({ MAX_ELEMENTS: "8" });
  it("allows a tensor of the limit and refuses a bigger one", async () => {
    expect((await api.post(V2, v2Body(2))).status).toBe(200);
    const v2 = await api.post(V2, v2Body(3));
    expect(v2.status).toBe(400);
    expect(v2.json.error).toBe("inputs[0].shape: at most 8 elements are allowed per tensor, got 12");
    const v1 = await api.post(V1, { instances: [row, row, row] });
    expect(v1.status).toBe(400);
    expect(v1.json.error).toMatch(/would hold 12 elements, at most 8 are allowed/);
  });
});

describe("MAX_STRING_BYTES", () => {
  const api = appWith({ MAX_STRING_BYTES: "4" });
  it("counts UTF-8 bytes, allows the limit and refuses one more", async () => {
    expect((await api.post("/v1/models/tiny_text:predict", text("abcd"))).status).toBe(200);
    for (const s of ["abcde", "ab\u00e9\u00e9"]) {
      const res = await api.post("/v1/models/tiny_text:predict", text(s));
      expect(res.status, s).toBe(400);
      expect(res.json.error).toMatch(/strings may be at most 4 bytes, got (5|6)/);
    }
  });
});

describe("a limit var that is not a positive integer", () => {
  it("answers 500 'server misconfigured' naming the var, not a silent default", async () => {
    for (const [name, value] of [
      ["MAX_BATCH", "0"],
      ["MAX_BODY_BYTES", "lots"],
      ["MAX_ELEMENTS", "1.5"],
    ] as const) {
      const res = await appWith({ [name]: value }).get("/v2");
      expect(res.status).toBe(500);
      expect(res.json.error).toBe(`server misconfigured: ${name} must be an integer >= 1, got '${value}'`);
    }
  });
});
