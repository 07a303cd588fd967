/**
 * The pieces of request observability that need no runtime: request ids (x-request-id, W3C
 * traceparent), the per-request trace, Server-Timing, route names, and the Analytics Engine
 * data point written to a fake dataset (and nothing, without error, when there is none).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { requestDataPoint, writeRequestPoint } from "../../src/adapters/analytics-engine/data-point.ts";
import { ServeError } from "../../src/core/errors.ts";
import { createTrace } from "../../src/core/observability/trace.ts";
import { errorCode, serverTiming } from "../../src/http/middleware/observe.ts";
import { requestIdOf, traceIdOf } from "../../src/http/middleware/request-id.ts";
import { routeOf } from "../../src/http/routes/grammar.ts";
import { type RequestRecord, reportRequest } from "../../src/worker/report.ts";

afterEach(() => vi.restoreAllMocks());

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const headers = (h: Record<string, string>) => new Headers(h);

describe("request ids", () => {
  it("takes a valid x-request-id as given", () => {
    for (const id of ["abc", "req-42_x.y:z/w+v=u@t~s", "A".repeat(128)])
      expect(requestIdOf(headers({ "x-request-id": id }))).toBe(id);
  });

  it("takes the trace id of a valid traceparent when there is no valid x-request-id", () => {
    expect(requestIdOf(headers({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` }))).toBe(TRACE_ID);
    expect(requestIdOf(headers({ "x-request-id": "bad id", traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-00` }))).toBe(
      TRACE_ID,
    );
    expect(traceIdOf(`01-${TRACE_ID}-00f067aa0ba902b7-01-later-fields`)).toBe(TRACE_ID); // future versions may extend
  });

  it("ignores malformed ids and traceparents, and generates a fresh UUID for each request instead", () => {
    const bad: Array<Record<string, string>> = [
      { "x-request-id": "A".repeat(129) },
      { "x-request-id": 'x"y' },
      { "x-request-id": "a b" },
      { traceparent: `ff-${TRACE_ID}-00f067aa0ba902b7-01` },
      { traceparent: `00-${"0".repeat(32)}-00f067aa0ba902b7-01` },
      { traceparent: `00-${TRACE_ID}-${"0".repeat(16)}-01` },
      { traceparent: `00-${TRACE_ID.toUpperCase()}-00f067aa0ba902b7-01` },
      { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01-extra` },
      { traceparent: "00-abc-def-01" },
    ];
    const ids = bad.map((h) => requestIdOf(headers(h)));
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    ids.forEach((id, i) => expect(id, JSON.stringify(bad[i])).toMatch(uuid));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("the per-request trace", () => {
  it("adds up spans (also when they throw) and records the model and the cache outcome", async () => {
    let clock = 0;
    const trace = createTrace("r1", () => clock);
    await trace.measure("kv", async () => {
      clock += 2;
    });
    await trace.measure("kv", async () => {
      clock += 3;
    });
    await expect(
      trace.measure("infer", async () => {
        clock += 4;
        throw new Error("x");
      }),
    ).rejects.toThrow("x");
    trace.served("flights", 1);
    trace.cached("miss");
    expect(trace.summary()).toEqual({ timings: { kv: 5, infer: 4 }, model: "flights", version: 1, cache: "miss" });
  });

  it("writes Server-Timing in span order with total last", () => {
    expect(serverTiming({ infer: 3.256, kv: 1, load: 0 }, 5)).toBe("kv;dur=1, load;dur=0, infer;dur=3.26, total;dur=5");
    expect(serverTiming({}, 0.5)).toBe("total;dur=0.5");
  });
});

describe("route names and error codes", () => {
  it.each([
    ["POST", "/v1/models/flights:predict", "v1.predict"],
    ["POST", "/v1/models/tiny_layers/labels/stable:predict", "v1.predict"],
    ["GET", "/v1/models/tiny_layers/versions/2/metadata", "v1.metadata"],
    ["GET", "/v1/models/tiny_layers", "v1.status"],
    ["POST", "/v1/models/tiny_layers:classify", "v1.other"],
    ["POST", "/v2/models/tiny_text/versions/1/infer", "v2.infer"],
    ["GET", "/v2/models/tiny_text/ready", "v2.model_ready"],
    ["GET", "/v2/models/tiny_text", "v2.model"],
    ["GET", "/v2/health/ready", "v2.ready"],
    ["GET", "/v2/", "v2.server"],
    ["POST", "/v2/repository/models/tiny_text/load", "v2.model_control"],
    ["GET", "/v2/models/stats", "v2.stats"],
    ["GET", "/v2/models/flights/versions/1/stats", "v2.stats"],
    ["GET", "/v2/models/flights/quality", "v2.quality"],
    ["POST", "/v2/models/flights/outcomes", "v2.outcomes"],
    ["GET", "/openapi.json", "openapi"],
    ["OPTIONS", "/v1/models/flights:predict", "preflight"],
    ["GET", "/nowhere/at/all", "other"],
  ])("%s %s is %s", (method, path, route) => expect(routeOf(method, path)).toBe(route));

  it("names the ServeError's code, else one for the status", () => {
    expect(errorCode(new ServeError(400, "INVALID_INPUT", "x"), 400)).toBe("INVALID_INPUT");
    expect(errorCode(new Error("boom"), 500)).toBe("INTERNAL");
    expect(errorCode(undefined, 429)).toBe("RATE_LIMITED");
    expect(errorCode(undefined, 401)).toBe("UNAUTHORIZED");
    expect(errorCode(undefined, 200)).toBeUndefined();
  });
});

describe("Analytics Engine", () => {
  const record: RequestRecord = {
    request_id: "r-1",
    method: "POST",
    path: "/v1/models/flights:predict",
    route: "v1.predict",
    status: 200,
    model: "flights",
    version: 1,
    ms: 12.5,
    timings: { kv: 3, load: 0.5, infer: 2 },
    cache: "miss",
  };

  it("writes one data point per request with the documented layout", () => {
    const points: unknown[] = [];
    writeRequestPoint({ writeDataPoint: (p) => void points.push(p) }, record, () => {});
    expect(points).toEqual([
      {
        indexes: ["flights"],
        blobs: ["flights", "1", "2xx", "v1.predict", "", "miss", "r-1"],
        doubles: [12.5, 3, 0.5, 2, 0, 200],
      },
    ]);
    expect(
      requestDataPoint({
        ...record,
        model: undefined,
        version: undefined,
        status: 404,
        error: "NOT_FOUND",
        cache: undefined,
      }).blobs,
    ).toEqual(["", "", "4xx", "v1.predict", "NOT_FOUND", "", "r-1"]);
  });

  it("writes nothing and fails nothing without the binding; a throwing binding is logged", () => {
    const lines = vi.spyOn(console, "log").mockImplementation(() => {});
    expect(() => reportRequest({}, record)).not.toThrow();
    expect(() => reportRequest(undefined, record)).not.toThrow();
    const failing = {
      writeDataPoint: () => {
        throw new Error("AE down");
      },
    };
    expect(() => reportRequest({ ANALYTICS: failing }, record)).not.toThrow();
    const events = lines.mock.calls.map((a) => JSON.parse(String(a[0])).event);
    expect(events).toEqual(["request", "request", "request", "analytics_failed"]);
  });
});
