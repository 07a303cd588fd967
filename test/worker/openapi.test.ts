/**
 * /openapi.json, /docs and the playground's content negotiation, inside workerd: the document
 * is OpenAPI 3.1 and lists every route the app has; every example in it works when pasted; its
 * request schemas are the codecs' schemas, accept the examples and refuse what the API refuses.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { V1PredictRequest, V2InferRequest } from "../../src/core/codecs/schemas.ts";
import { routes } from "../../src/http/app.ts";
import { curlOf, fillPath, routeTable } from "../../src/http/openapi/document.ts";
import { BAD_V2_BODY, STREAM_EVENTS } from "../../src/http/openapi/examples.ts";
import * as R from "../../src/http/openapi/responses.ts";
import { parseV1Path } from "../../src/http/routes/grammar.ts";
import { streams } from "../../src/http/routes/streams.ts";
import { appWith } from "../support/app-with.ts";
import { client } from "../support/client.ts";
import { validate } from "../support/json-schema.ts";

const api = client((url, init) => exports.default.fetch(url, init));
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

async function openapi() {
  const res = await api.get("/openapi.json");
  expect(res.status).toBe(200);
  return res.json;
}

/** Hono's `/v2/models/:name/infer` → OpenAPI's `/v2/models/{name}/infer`. */
const templateOf = (path: string) => path.replace(/:(\w+)/g, "{$1}");

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document whose servers and curl examples name the origin asked", async () => {
    const doc = await openapi();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.jsonSchemaDialect).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(doc.info).toMatchObject({ title: "stateless-serve", version: expect.any(String) });
    expect(doc.servers).toEqual([{ url: "http://serve.test" }]);
    const samples = Object.values(doc.paths).flatMap((item: any) =>
      Object.values(item).flatMap((op: any) => op["x-codeSamples"] ?? []),
    );
    expect(samples.length).toBeGreaterThan(15);
    for (const sample of samples) expect(sample.source).toMatch(/^curl -s (-X POST )?http:\/\/serve\.test\//);
  });

  it("lists every route the app registers, and nothing it does not serve", async () => {
    const doc = await openapi();
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item as object).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const registered = routes.routes.filter((r) => r.method !== "ALL" && !r.path.startsWith("/v1/models/"));
    expect(registered.length).toBeGreaterThan(10);
    for (const r of registered)
      expect(documented, `${r.method} ${r.path}`).toContain(`${r.method} ${templateOf(r.path)}`);
    // v1 is one wildcard route with TF Serving's own grammar: each documented path must parse to its action.
    const v1 = [...documented].filter((d) => d.includes(" /v1/"));
    expect(v1).toHaveLength(9);
    for (const d of v1) {
      const [method, path] = d.split(" ") as [string, string];
      const action = parseV1Path(fillPath(path, { name: "m", version: "1", label: "stable" })).action;
      expect({ method, action }).toEqual(
        path.endsWith(":predict")
          ? { method: "POST", action: "predict" }
          : { method: "GET", action: path.endsWith("/metadata") ? "metadata" : "status" },
      );
    }
    // Declared streams' events are mounted at /v2/streams, behind their own keys, outside `routes`.
    const streamRoutes = streams.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} /v2/streams${templateOf(r.path)}`);
    expect(streamRoutes).toEqual(["POST /v2/streams/{stream}/events"]);
    for (const r of streamRoutes) expect(documented, r).toContain(r);
    const served = new Set([...registered.map((r) => `${r.method} ${templateOf(r.path)}`), ...v1, ...streamRoutes]);
    for (const d of documented) expect(served, d).toContain(d);
  });

  it("publishes the very schemas the codecs validate with", async () => {
    const doc = await openapi();
    const published = (schema: z.ZodType) => {
      const { $schema: _, ...rest } = z.toJSONSchema(schema, {
        io: "input",
        unrepresentable: "any",
        target: "draft-2020-12",
      });
      return rest;
    };
    expect(doc.components.schemas.V1PredictRequest).toEqual(published(V1PredictRequest));
    expect(doc.components.schemas.V2InferRequest).toEqual(published(V2InferRequest));
  });

  it("has request schemas that accept every example and refuse what the API refuses", async () => {
    const doc = await openapi();
    const schemaOf = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    for (const route of routeTable().filter((r) => r.request)) {
      for (const example of route.examples.filter((e) => e.body !== undefined)) {
        expect(validate(schemaOf(route.request!.schema), example.body, doc), `${route.path} ${example.key}`).toEqual(
          [],
        );
      }
    }
    const bad: Array<[string, string, unknown, RegExp]> = [
      ["V2InferRequest", "/v2/models/tiny_layers/infer", BAD_V2_BODY, /inputs\[0\]: unknown field 'dtype'/],
      [
        "V2InferRequest",
        "/v2/models/tiny_layers/infer",
        { inputs: [{ name: "features", shape: [-1, 4], datatype: "FP32", data: [1, 2, 3, 4] }] },
        /inputs\[0\]\.shape\[0\]: expected a non-negative integer, got the number -1/,
      ],
      [
        "V2InferRequest",
        "/v2/models/tiny_layers/infer",
        { inputs: [] },
        /inputs: expected a non-empty array of tensors/,
      ],
      ["V1PredictRequest", "/v1/models/flights:predict", { instances: [{ origin: "SFO" }], inputs: {} }, /got both/],
      [
        "V1PredictRequest",
        "/v1/models/flights:predict",
        { rows: [] },
        /request body: expected exactly one of 'instances'.*got neither/,
      ],
      ["V1PredictRequest", "/v1/models/flights:predict", { instances: [] }, /instances: expected a non-empty array/],
    ];
    for (const [schema, path, body, message] of bad) {
      expect(validate(schemaOf(schema), body, doc), JSON.stringify(body)).not.toEqual([]);
      const res = await api.post(path, body);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(message);
    }
  });

  it("has examples that work when pasted, answered as the response schemas say", async () => {
    const doc = await openapi();
    let tried = 0;
    // Routes behind their own keys (stream events) are pasted in their own test below.
    for (const route of routeTable().filter((r) => !r.keys)) {
      const op = doc.paths[route.path][route.method];
      for (const example of route.examples) {
        const path = fillPath(route.path, example.params);
        expect(path, "every path parameter has an example value").not.toMatch(/[{}]/);
        expect(op["x-codeSamples"].map((s: { source: string }) => s.source)).toContain(
          curlOf(route, example, "http://serve.test"),
        );
        const res = await api.call(route.method.toUpperCase(), path, example.body, { accept: "application/json" });
        expect(res.status, `${route.method} ${path}: ${res.text.slice(0, 200)}`).toBe(200);
        tried++;
        if (route.response === "html") expect(res.headers.get("content-type")).toMatch(/^text\/html/);
        else if (route.response === "openapi") expect(res.json.openapi).toMatch(/^3\.1/);
        else {
          const parsed = R[route.response as keyof typeof R].safeParse(res.json);
          expect(parsed.success, `${path}: ${parsed.error?.message}`).toBe(true);
        }
      }
    }
    expect(tried).toBeGreaterThanOrEqual(20);
  });
});

describe("POST /v2/streams/{stream}/events in the document", () => {
  const KEY = "openapi-stream-key-0123456789";
  const keyed = appWith({ STREAM_KEYS: KEY });
  const auth = { authorization: `Bearer ${KEY}` };
  // The quakes walk-through's declaration (docs/streams.md), which the route's example feeds.
  const quakes = {
    name: "quakes",
    id_field: "id",
    time_field: "time",
    lateness: "2h",
    fields: [
      { name: "id", dtype: "string" },
      { name: "time", dtype: "string" },
      { name: "net", dtype: "string" },
      { name: "mag", dtype: "float32" },
      { name: "strong", dtype: "bool" },
      { name: "depth", dtype: "float32", optional: true },
    ],
    entities: [{ name: "net", key: "net:{net}" }],
    aggregations: [{ name: "quakes", entity: "net", function: "count", windows: ["1h"], bucket: "10m" }],
  };

  it("documents its body, its 202 answer, its own key and its errors", async () => {
    const doc = await openapi();
    const op = doc.paths["/v2/streams/{stream}/events"].post;
    expect(op.tags).toEqual(["Streams"]);
    expect(op.security).toEqual([{ streamKey: [] }]);
    expect(doc.components.securitySchemes.streamKey).toMatchObject({ type: "http", scheme: "bearer" });
    expect(op.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/StreamEventsRequest",
    });
    expect(op.responses["202"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/StreamEventsResponse",
    });
    expect(op.responses["200"]).toBeUndefined();
    expect(Object.keys(op.responses).sort()).toEqual(["202", "400", "401", "403", "404", "413", "415", "503"]);
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(["stream"]);
  });

  it("has an example that works when pasted with a stream key, answered as the response schema says", async () => {
    const doc = await openapi();
    await env.REGISTRY.put("stream:quakes", JSON.stringify(quakes));
    const route = routeTable().find((r) => r.path === "/v2/streams/{stream}/events")!;
    expect(route.examples).toBe(STREAM_EVENTS);
    for (const example of route.examples) {
      const curl = curlOf(route, example, "http://serve.test");
      expect(curl).toContain('-H "Authorization: Bearer $STREAM_KEY"');
      expect(doc.paths[route.path].post["x-codeSamples"].map((s: { source: string }) => s.source)).toContain(curl);
      const schema = { $ref: "#/components/schemas/StreamEventsRequest" };
      expect(validate(schema, example.body, doc)).toEqual([]);
      const res = await keyed.post(fillPath(route.path, example.params), example.body, auth);
      expect(res.status, res.text).toBe(202);
      const parsed = R.StreamEventsResponse.safeParse(res.json);
      expect(parsed.success, parsed.error?.message).toBe(true);
      expect(res.json).toMatchObject({ stream: "quakes", events: 2, entities: 2, late: 0 });
    }
  });

  it("answers the documented errors, and its schema refuses what the route refuses", async () => {
    const doc = await openapi();
    const schema = { $ref: "#/components/schemas/StreamEventsRequest" };
    await env.REGISTRY.put("stream:quakes", JSON.stringify(quakes));
    const path = "/v2/streams/quakes/events";
    const bad: Array<[unknown, RegExp]> = [
      [{ events: [] }, /^events: expected 1 to 1000 events, got 0$/],
      [{ events: "x" }, /^events: expected \{"events": \[ … \]\}/],
      [
        { events: (STREAM_EVENTS[0]!.body as { events: unknown[] }).events, more: 1 },
        /^more: not a field of an events request/,
      ],
    ];
    for (const [body, message] of bad) {
      expect(validate(schema, body, doc), JSON.stringify(body)).not.toEqual([]);
      const res = await keyed.post(path, body, auth);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error).toMatch(message);
    }
    // A value of the wrong dtype passes the generic schema; the declaration refuses it, naming it.
    const wrong = { events: [{ id: "q1", time: "2018-02-05T05:48:00Z", net: "ak", mag: "big", strong: false }] };
    const res400 = await keyed.post(path, wrong, auth);
    expect(res400.status).toBe(400);
    expect(res400.json.error).toBe('events[0].mag: expected a float32, got the string "big"');
    expect((await keyed.post(path, STREAM_EVENTS[0]!.body)).status).toBe(401);
    expect((await appWith({ STREAM_KEYS: "" }).post(path, STREAM_EVENTS[0]!.body, auth)).status).toBe(403);
    expect((await keyed.post("/v2/streams/nowhere/events", STREAM_EVENTS[0]!.body, auth)).status).toBe(404);
  });
});

describe("GET /docs", () => {
  it("lists every route of the document, with its curl examples, and loads nothing from elsewhere", async () => {
    const doc = await openapi();
    const res = await api.get("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item as object)) {
        const escaped = path.replace(/&/g, "&amp;");
        expect(res.text).toContain(`data-route="${method.toUpperCase()} ${escaped}"`);
      }
    }
    expect(res.text).toContain(
      "curl -s http://serve.test/v1/models/flights:predict -H &#39;Content-Type: application/json&#39;",
    );
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});

describe("GET / for browsers and for API clients", () => {
  it("serves the playground page when Accept prefers HTML, the JSON index otherwise", async () => {
    const page = await api.call("GET", "/", undefined, { accept: BROWSER_ACCEPT });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.text).toContain('<select id="model"');
    expect(page.text).toContain('<fieldset id="form-fields"');
    expect(page.text).not.toContain("flights"); // the form comes from each model's metadata
    for (const accept of [
      "*/*",
      "application/json",
      "application/json, text/html",
      "text/html;q=0.5, application/json",
    ]) {
      const res = await api.call("GET", "/", undefined, { accept });
      expect(res.headers.get("content-type"), accept).toMatch(/^application\/json/);
      expect(res.headers.get("vary")).toMatch(/Accept/);
      expect(res.json.models.map((m: { name: string }) => m.name)).toContain("flights");
    }
    expect((await api.get("/")).json.endpoints.docs).toBe("/docs, /openapi.json");
  });

  it("keeps the docs and the page open when API_KEYS is set, and the JSON index behind the key", async () => {
    const keyed = appWith({ API_KEYS: "docs-test-key-0123456789" });
    expect((await keyed.get("/docs")).status).toBe(200);
    expect((await keyed.get("/openapi.json")).status).toBe(200);
    expect((await keyed.call("GET", "/", undefined, { accept: BROWSER_ACCEPT })).status).toBe(200);
    expect((await keyed.get("/")).status).toBe(401);
    const withKey = await keyed.call("GET", "/", undefined, { authorization: "Bearer docs-test-key-0123456789" });
    expect(withKey.status).toBe(200);
    expect(withKey.json.models.length).toBeGreaterThan(0);
  });
});

describe("the pages' Content-Security-Policy and caching", () => {
  /** The CSP source of a script, computed here from the bytes the page carried. */
  async function hashOf(script: string): Promise<string> {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(script)));
    return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
  }

  it("allow no inline script but the page's own, by the sha256 of exactly the script served", async () => {
    const pages = [
      await api.call("GET", "/", undefined, { accept: BROWSER_ACCEPT }),
      await api.get("/docs"),
      await api.get("/monitor"),
    ];
    for (const page of pages) {
      const csp = page.headers.get("content-security-policy") ?? "";
      const scriptSrc = /(?:^|;\s*)script-src ([^;]*)/.exec(csp)?.[1] ?? "";
      expect(scriptSrc, csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      const scripts = [...page.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
      expect(scripts).toHaveLength(1);
      expect(page.text.match(/<script/g)).toHaveLength(1);
      expect(scriptSrc.trim()).toBe(await hashOf(scripts[0]!));
    }
  });

  it("do not let a Host header reach a shared cache: /docs and /openapi.json are private", async () => {
    for (const path of ["/openapi.json", "/docs"]) {
      const res = await exports.default.fetch(`http://attacker.example${path}`);
      const text = await res.text();
      expect(text, path).toContain("http://attacker.example"); // echoed for the curl examples…
      const cacheControl = res.headers.get("cache-control") ?? "";
      expect(cacheControl, path).toMatch(/\bprivate\b|\bno-store\b/); // …to this client only
      expect(cacheControl, path).not.toMatch(/\bpublic\b|s-maxage/);
    }
  });
});
