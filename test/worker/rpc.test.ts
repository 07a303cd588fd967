/**
 * The Predictor entrypoint through a service binding of the Worker to itself (SELF_RPC in
 * vitest.config.ts, bound as another Worker binds it): the case table over RPC and over the
 * binding's fetch form, each answer compared with the public HTTP routes for the same input.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Predictor as PredictorContract, parseRpcError } from "../../src/client.ts";
import { Registry } from "../../src/core/models/registry.ts";
import type { PredictorApi } from "../../src/rpc/contract.ts";
import { Predictor } from "../../src/rpc/predictor.ts";
import { appWith, envWith, type Overrides } from "../support/app-with.ts";
import { CASES } from "../support/cases.ts";
import { client } from "../support/client.ts";
import { callRpc, RPC_RUNS } from "../support/rpc.ts";

const bound = (env as unknown as { SELF_RPC: Service<PredictorContract> }).SELF_RPC;
const rpc = bound as unknown as PredictorApi;
const publicApi = client((url, init) => exports.default.fetch(url, init));
const boundApi = client((url, init) => bound.fetch(url, init));
/** The entrypoint class itself, on an env of our choosing (same isolate, so spies reach it). */
const direct = (overrides: Overrides = {}) => new Predictor(createExecutionContext(), envWith(overrides));
const row = { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] };

afterEach(() => vi.restoreAllMocks());

describe("the case table over RPC", () => {
  it("maps a meaningful share of the table onto RPC calls", () => {
    expect(RPC_RUNS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(RPC_RUNS.map((r) => r.call.method))).toEqual(new Set(["predict", "infer"]));
  });

  it.each(RPC_RUNS.map((r) => [r.label, r] as const))("%s", async (_label, run) => {
    const outcome = await callRpc(rpc, run.call);
    if (run.case.status === 200) {
      expect(outcome.ok, JSON.stringify(outcome).slice(0, 300)).toBe(true);
    } else {
      if (outcome.ok) throw new Error(`expected ${run.case.status}, got a result`);
      expect(outcome.status).toBe(run.case.status);
      expect(outcome.code).not.toBe("UNKNOWN");
      expect(outcome.message).toMatch(run.case.error!);
      expect(outcome.message).not.toMatch(/\n\s+at |\.ts:\d+/);
    }
    if (!run.http) return;
    // The same input over HTTP answers the same.
    const http = await publicApi.post(run.http.path, run.http.body);
    if (!outcome.ok) {
      expect({ status: outcome.status, message: outcome.message }).toEqual({
        status: http.status,
        message: http.json.error,
      });
    } else if (run.call.method === "predict") {
      const value = outcome.value as { model_version: string; predictions: unknown };
      expect(value.predictions).toEqual(http.json.predictions);
      expect(value.model_version).toBe(http.headers.get("x-model-version"));
    } else {
      expect(outcome.value).toEqual(http.json);
    }
  });
});

describe("errors crossing the binding", () => {
  it("arrive as an Error whose message carries name, code and status, with code and status attached", async () => {
    const err = (await bound.predict("tiny_graph", [[1, 2, 3]]).catch((e: unknown) => e)) as Error & {
      code?: string;
      status?: number;
    };
    const http = await publicApi.post("/v1/models/tiny_graph:predict", { instances: [[1, 2, 3]] });
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe(`ServeError [INVALID_INPUT 400]: ${http.json.error}`);
    // Both sides run compatibility_date 2026-04-26 (enhanced_error_serialization): the properties survive too.
    expect([err.code, err.status]).toEqual(["INVALID_INPUT", 400]);
    expect(parseRpcError(err)).toEqual({ code: "INVALID_INPUT", status: 400, message: http.json.error });
  });

  it("name an unknown model with MODEL_NOT_FOUND 404 in every method", async () => {
    for (const call of [() => bound.predict("nope", [[1]]), () => bound.metadata("nope"), () => bound.ready("nope")]) {
      const info = parseRpcError(await call().catch((e: unknown) => e));
      expect(info.code).toBe("MODEL_NOT_FOUND");
      expect(info.status).toBe(404);
      expect(info.message).toMatch(/^model 'nope' not found; available models: .*tiny_graph/);
    }
  });

  it("carry a misconfiguration as INTERNAL 500 with the same message as HTTP", async () => {
    const bad = { MAX_BATCH: "lots" };
    const err = await direct(bad)
      .predict("tiny_graph", [[1, 2, 3, 4]])
      .catch((e: unknown) => e);
    const http = await appWith(bad).post("/v1/models/tiny_graph:predict", { instances: [[1, 2, 3, 4]] });
    expect(http.status).toBe(500);
    expect(parseRpcError(err)).toEqual({ code: "INTERNAL", status: 500, message: http.json.error });
  });

  it("hide an unexpected fault behind 'internal error' and log it", async () => {
    vi.spyOn(Registry.prototype, "entry").mockRejectedValue(new TypeError("secret detail"));
    const logged = vi.spyOn(console, "log").mockImplementation(() => {});
    const err = await direct()
      .predict("tiny_graph", [[1, 2, 3, 4]])
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe("ServeError [INTERNAL 500]: internal error");
    expect(logged.mock.calls.map(String).join("\n")).toMatch(/rpc_unhandled_error.*secret detail/);
  });

  it("read anything else as UNKNOWN 502", () => {
    expect(parseRpcError(new Error("Network connection lost."))).toEqual({
      code: "UNKNOWN",
      status: 502,
      message: "Network connection lost.",
    });
  });
});

describe("RPC answers equal the HTTP routes", () => {
  it("predict resolves versions and labels, and echoes pass-through keys", async () => {
    const stable = await bound.predict("tiny_layers", [row], { label: "stable" });
    const pinned = await bound.predict("tiny_layers", [row], { version: 2 });
    const unqualified = await bound.predict("tiny_layers", [row]);
    // Unqualified requests follow the `stable` label.
    expect([stable.model_name, stable.model_version, pinned.model_version, unqualified.model_version]).toEqual([
      "tiny_layers",
      "1",
      "2",
      "1",
    ]);
    expect(stable.predictions).toEqual(
      (await publicApi.post("/v1/models/tiny_layers/labels/stable:predict", { instances: [row] })).json.predictions,
    );
    const instances = [
      { x: [1, 2, 3, 4], key: "a-1" },
      { x: [4, 3, 2, 1], key: 42 },
    ];
    const keyed = await bound.predict("tiny_graph", instances);
    expect(keyed.predictions).toEqual(
      (await publicApi.post("/v1/models/tiny_graph:predict", { instances })).json.predictions,
    );
    expect(keyed.predictions.map((p) => (p as { key: unknown }).key)).toEqual(["a-1", 42]);
  });

  it("infer echoes the id and selects outputs", async () => {
    const request = {
      id: "req-42",
      inputs: [
        { name: "text", shape: [2], datatype: "BYTES" as const, data: ["hello", "world"] },
        { name: "count", shape: [2], datatype: "INT32" as const, data: [1, 3] },
      ],
      outputs: [{ name: "probs" }],
    };
    const answer = await bound.infer("tiny_text", request);
    expect(answer.id).toBe("req-42");
    expect(answer.outputs.map((o) => o.name)).toEqual(["probs"]);
    expect(answer).toEqual((await publicApi.post("/v2/models/tiny_text/infer", request)).json);
  });

  it("metadata and readiness", async () => {
    expect(await bound.metadata("tiny_layers")).toEqual((await publicApi.get("/v2/models/tiny_layers")).json);
    expect(await bound.metadata("tiny_layers", 1)).toEqual(
      (await publicApi.get("/v2/models/tiny_layers/versions/1")).json,
    );
    expect(await bound.ready()).toEqual((await publicApi.get("/v2/health/ready")).json);
    expect(await bound.ready("tiny_text")).toEqual({ name: "tiny_text", ready: true });
  });

  it("ctx.exports.Predictor (the loopback form) answers as the configured binding does", async () => {
    const viaExports = await exports.Predictor.predict("tiny_graph", [[1, 2, 3, 4]]);
    expect(viaExports).toEqual(await bound.predict("tiny_graph", [[1, 2, 3, 4]]));
  });
});

describe("the fetch form of the binding", () => {
  const requests = CASES.flatMap((c) =>
    (["v1", "v2"] as const).flatMap((p) => (c[p] ? [[`${p}: ${c.name}`, c[p]!] as const] : [])),
  );

  it.each(requests)("answers %s exactly as the public route does", async (_label, r) => {
    const [viaBinding, viaPublic] = await Promise.all(
      [boundApi, publicApi].map((api) => api.call(r.method ?? "POST", r.path, r.body, r.headers)),
    );
    expect(viaBinding!.status).toBe(viaPublic!.status);
    expect(viaBinding!.text).toBe(viaPublic!.text);
  });

  it("needs no API key and is not rate limited, where the public edge refuses", async () => {
    const refuse = { limit: async () => ({ success: false }) };
    for (const overrides of [{ API_KEYS: "a-key-0123456789" }, { RATE_LIMITER: refuse }]) {
      const url = "http://serve.test/v1/models/tiny_graph:predict";
      const init = {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: [[1, 2, 3, 4]] }),
      };
      const viaBinding = await direct(overrides).fetch(new Request(url, init));
      const viaPublic = await appWith(overrides).post("/v1/models/tiny_graph:predict", { instances: [[1, 2, 3, 4]] });
      expect(viaBinding.status).toBe(200);
      expect([401, 429]).toContain(viaPublic.status);
    }
  });
});
