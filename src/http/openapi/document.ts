/**
 * The OpenAPI 3.1 document of every route, generated at request time from the zod schemas the
 * codecs validate with (src/core/codecs/schemas.ts) and the response schemas beside this file.
 * `z.toJSONSchema` writes JSON Schema 2020-12, the dialect OpenAPI 3.1 uses.
 */
import * as z from "zod";
import {
  V1PredictRequest,
  V2InferHeader,
  V2InferRequest,
  V2RepositoryIndexRequest,
} from "../../core/codecs/schemas.ts";
import { SERVER_NAME, SERVER_VERSION } from "../../core/version.ts";
import {
  type Example,
  STREAM_EVENTS,
  V1_GET,
  V1_METADATA_GET,
  V1_PREDICT,
  V2_INFER,
  V2_MODEL_GET,
} from "./examples.ts";
import * as R from "./responses.ts";

type Json = Record<string, unknown>;

const REQUESTS = {
  V1PredictRequest,
  V2InferRequest,
  V2InferHeader,
  V2RepositoryIndexRequest,
  StreamEventsRequest: R.StreamEventsRequest,
};
const RESPONSES = {
  ErrorBody: R.ErrorBody,
  V1StatusResponse: R.V1StatusResponse,
  V1MetadataResponse: R.V1MetadataResponse,
  V1PredictResponse: R.V1PredictResponse,
  V2ServerMetadata: R.V2ServerMetadata,
  V2Live: R.V2Live,
  V2Ready: R.V2Ready,
  V2ModelMetadata: R.V2ModelMetadata,
  V2ModelReady: R.V2ModelReady,
  V2InferResponse: R.V2InferResponse,
  V2RepositoryIndex: R.V2RepositoryIndex,
  V2ModelStats: R.V2ModelStats,
  V2ModelQuality: R.V2ModelQuality,
  ServerIndex: R.ServerIndex,
  TensorMemory: R.TensorMemory,
  StreamEventsResponse: R.StreamEventsResponse,
};
type SchemaName = keyof typeof REQUESTS | keyof typeof RESPONSES;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    target: "draft-2020-12",
  });
  return rest;
}

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: SchemaName) => ({ "application/json": { schema: ref(name) } });

/** One documented operation. */
export interface Route {
  method: "get" | "post";
  /** OpenAPI path template, e.g. `/v2/models/{name}/infer`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  request?: { schema: keyof typeof REQUESTS; required: boolean };
  response: SchemaName | "html" | "openapi";
  /** Error statuses worth naming (every error body is ErrorBody). */
  errors: number[];
  examples: Example[];
  /** Served without an API key (and without a rate limit). */
  open?: boolean;
  /** Sets `x-model-version` (and, with the observability middleware, `Server-Timing`). */
  versioned?: boolean;
  /** Behind its own keys (a secret other than API_KEYS): its security scheme; no rate limit. */
  keys?: "streamKey";
  /** The success status (default 200). */
  status?: 202;
}

const V1 = "TensorFlow Serving (v1)";
const V2 = "Open Inference Protocol (v2)";
const SERVER = "Server";
const STREAMS = "Streams";

const ERROR_TEXT: Record<number, string> = {
  400: "Bad input: the message names the field, what was expected and what came",
  401: "Missing or unknown API key (only when API_KEYS is set)",
  403: "Closed: the route's keys (STREAM_KEYS) are not configured",
  404: "Unknown model, version, label, stream or route",
  405: "Wrong method (the Allow header names the right one)",
  413: "Body over MAX_BODY_BYTES",
  415: "Content-Type is not JSON (binary tensor bodies: not application/octet-stream)",
  429: "Rate limited (Retry-After says when to retry)",
  503: "The model version cannot load (streams: the declaration or an entity object failed; retry, events are idempotent)",
};

const REF_KINDS = [
  { kind: "model", suffix: "", what: "the latest version (or the canary split)" },
  { kind: "version", suffix: "/versions/{version}", what: "one version" },
  { kind: "label", suffix: "/labels/{label}", what: "the version a label names" },
] as const;

/** The v2 binary tensor data extension (Triton's, adopted by KServe), as infer's second request and response type. */
const BINARY_REQUEST: Json = {
  type: "string",
  contentMediaType: "application/octet-stream",
  description:
    "Binary tensor data extension: the first `Inference-Header-Content-Length` bytes are a JSON inference header (V2InferHeader: like V2InferRequest, but an input may replace `data` by `parameters.binary_data_size`), followed by the raw bytes of each such input in input order: little-endian, row-major, no padding; BOOL one byte (0/1); BYTES each element a 4-byte little-endian length and its bytes. `binary_data_size` must equal shape × datatype size, and the sizes must add up to the bytes after the header. Outputs come back as bytes when asked (`parameters.binary_data_output: true`, or `binary_data: true` on a requested output).",
};
const BINARY_RESPONSE: Json = {
  type: "string",
  contentMediaType: "application/octet-stream",
  description:
    "When outputs were asked for as binary: `Inference-Header-Content-Length` bytes of JSON (V2InferResponse, binary outputs carrying `parameters.binary_data_size` instead of `data`), then their raw bytes in output order.",
};
const INFERENCE_HEADER_LENGTH: Json = {
  name: "Inference-Header-Content-Length",
  in: "header",
  required: false,
  description:
    "Length in bytes of the JSON inference header at the start of a binary tensor data body (application/octet-stream).",
  schema: { type: "integer", minimum: 0 },
};

/** Every route of the Worker, in the order the docs page shows them. */
export function routeTable(): Route[] {
  const routes: Route[] = [
    {
      method: "get",
      path: "/",
      tag: SERVER,
      summary: "Server index (JSON), or the playground page for browsers",
      description:
        "Answers the JSON index (name, version, models with versions and labels, endpoints) unless the request's Accept header prefers text/html over JSON: then the playground page, where a model is picked, its inputs filled in and the prediction shown with its context, version and timings.",
      response: "ServerIndex",
      errors: [],
      examples: [{ key: "index", summary: "The JSON index" }],
    },
    {
      method: "get",
      path: "/openapi.json",
      tag: SERVER,
      summary: "This document",
      response: "openapi",
      errors: [],
      examples: [{ key: "doc", summary: "The OpenAPI document" }],
      open: true,
    },
    {
      method: "get",
      path: "/docs",
      tag: SERVER,
      summary: "Human-readable API docs (HTML, no external assets)",
      response: "html",
      errors: [],
      examples: [{ key: "docs", summary: "The docs page" }],
      open: true,
    },
    {
      method: "get",
      path: "/monitor",
      tag: SERVER,
      summary: "Live quality, drift and context freshness per model version (HTML, no external assets)",
      description:
        "The monitor page: per version and arm of a window (1h, 24h, 7d), the figures of GET /v2/models/{name}/quality drawn as ROC and calibration curves, AUC and log loss per hour, a PSI heatmap per feature and context-status bars per lookup (docs/monitoring.md).",
      response: "html",
      errors: [],
      examples: [{ key: "monitor", summary: "The monitor page" }],
      open: true,
    },
  ];
  for (const { kind, suffix, what } of REF_KINDS) {
    const base = `/v1/models/{name}${suffix}`;
    routes.push(
      {
        method: "get",
        path: base,
        tag: V1,
        summary: `Model status: ${what}`,
        response: "V1StatusResponse",
        errors: [400, 404],
        examples: V1_GET[kind],
      },
      {
        method: "get",
        path: `${base}/metadata`,
        tag: V1,
        summary: `Signature (signature_def): ${what}`,
        response: "V1MetadataResponse",
        errors: [400, 404, 503],
        examples: V1_METADATA_GET[kind],
      },
      {
        method: "post",
        path: `${base}:predict`,
        tag: V1,
        summary: `Predict: ${what}`,
        description:
          "`instances` (row format, answered as `predictions`) or `inputs` (columnar, answered as `outputs`). Pass-through key fields come back with their prediction.",
        request: { schema: "V1PredictRequest", required: true },
        response: "V1PredictResponse",
        errors: [400, 404, 405, 413, 415, 503],
        examples: V1_PREDICT[kind],
        versioned: true,
      },
    );
  }
  routes.push(
    {
      method: "get",
      path: "/v2",
      tag: V2,
      summary: "Server metadata",
      response: "V2ServerMetadata",
      errors: [],
      examples: [{ key: "server", summary: "Name, version, extensions" }],
    },
    {
      method: "get",
      path: "/v2/",
      tag: V2,
      summary: "Server metadata (the same as GET /v2)",
      response: "V2ServerMetadata",
      errors: [],
      examples: [],
    },
    {
      method: "get",
      path: "/v2/health/live",
      tag: V2,
      summary: "Liveness",
      response: "V2Live",
      errors: [],
      examples: [{ key: "live", summary: "Live" }],
      open: true,
    },
    {
      method: "get",
      path: "/v2/health/ready",
      tag: V2,
      summary: "Readiness (503 when no model can be served)",
      response: "V2Ready",
      errors: [],
      examples: [{ key: "ready", summary: "Ready" }],
      open: true,
    },
  );
  for (const { kind, suffix, what } of REF_KINDS.slice(0, 2)) {
    const base = `/v2/models/{name}${suffix}`;
    const k = kind as "model" | "version";
    routes.push(
      {
        method: "get",
        path: base,
        tag: V2,
        summary: `Model metadata: ${what}`,
        response: "V2ModelMetadata",
        errors: [400, 404, 503],
        examples: V2_MODEL_GET[k],
      },
      {
        method: "get",
        path: `${base}/ready`,
        tag: V2,
        summary: `Model readiness: ${what} (503 when it cannot load)`,
        response: "V2ModelReady",
        errors: [400, 404],
        examples: V2_MODEL_GET[k],
      },
      {
        method: "post",
        path: `${base}/infer`,
        tag: V2,
        summary: `Inference: ${what}`,
        description:
          "Tensors in (`data` flat or nested, row-major); named outputs out, the request `id` echoed. Also speaks the binary tensor data extension (`application/octet-stream`, `Inference-Header-Content-Length`): tensors as raw little-endian bytes after a JSON header, in either direction.",
        request: { schema: "V2InferRequest", required: true },
        response: "V2InferResponse",
        errors: [400, 404, 405, 413, 415, 503],
        examples: V2_INFER[k],
        versioned: true,
      },
    );
  }
  routes.push(
    {
      method: "post",
      path: "/v2/repository/index",
      tag: V2,
      summary: "Repository index: every model version and whether it loads",
      request: { schema: "V2RepositoryIndexRequest", required: false },
      response: "V2RepositoryIndex",
      errors: [400],
      examples: [
        { key: "all", summary: "Every version" },
        { key: "ready", summary: "Only versions that load", body: { ready: true } },
      ],
    },
    ...(["load", "unload"] as const).map(
      (action): Route => ({
        method: "post",
        path: `/v2/repository/models/{name}/${action}`,
        tag: V2,
        summary: `Repository ${action}: always 400, as models load on demand in a stateless server`,
        response: "ErrorBody",
        errors: [400],
        examples: [],
      }),
    ),
    ...["/v2/models/stats", "/v2/models/{name}/stats", "/v2/models/{name}/versions/{version}/stats"].map(
      (path): Route => ({
        method: "get",
        path,
        tag: V2,
        summary: `Triton statistics extension: ${path === "/v2/models/stats" ? "every model" : path.includes("versions") ? "one version" : "every version of a model"}`,
        description:
          "Cumulative counts and durations per version in Triton's JSON (what tritonclient's get_inference_statistics() reads), from the prediction log's records: rows as inferences, requests as executions, whole-request latency as success/fail durations. Stages the server does not time apart are zero (docs/monitoring.md).",
        response: "V2ModelStats",
        errors: path === "/v2/models/stats" ? [] : [400, 404],
        examples: [{ key: "flights", summary: "The flights model", params: { name: "flights", version: "1" } }],
      }),
    ),
    {
      method: "get",
      path: "/v2/models/{name}/quality",
      tag: V2,
      summary: "Live quality per version, arm and window (1h, 24h, 7d)",
      description:
        "Counts, joined outcomes, errors by code, latency quantiles; AUC, log loss, Brier and calibration (binary) or MAE and RMSE (regression); drift against the manifest's baseline; context freshness. Windows are the clock hours of the predictions' own time ending with the hour of `at` (query parameter, an ISO 8601 instant; default now). Outcomes come from POST /v2/models/{name}/outcomes (OUTCOME_KEYS) or, for flights, the ingestion feed's arrivals (docs/monitoring.md).",
      response: "V2ModelQuality",
      errors: [400, 404],
      examples: [{ key: "flights", summary: "The flights model, now", params: { name: "flights" } }],
    },
    {
      method: "post",
      path: "/v2/streams/{stream}/events",
      tag: STREAMS,
      summary: "Events of a declared stream (live context for any model: windowed aggregations)",
      description:
        "Up to 1,000 events of the stream published as `stream:<name>` (docs/streams.md), behind their own keys (`Authorization: Bearer <one of STREAM_KEYS>`; unset: 403). Every event is validated against the declaration before anything is applied: a bad one is a 400 naming it (`events[3].mag: expected a float32, got the string \"big\"`) and nothing of the request is applied. Idempotent by event id, in any order; events older than an entity's newest event minus the declared lateness are refused and counted in `late`. Each entity's Durable Object aggregates its events into time buckets and writes its KV value at most once a second, which models read as lookup fields (`recent.quakes_1h`) at the request's as_of.",
      request: { schema: "StreamEventsRequest", required: true },
      response: "StreamEventsResponse",
      status: 202,
      errors: [400, 401, 403, 404, 413, 415, 503],
      examples: STREAM_EVENTS,
      keys: "streamKey",
    },
    {
      method: "get",
      path: "/_internal/memory",
      tag: SERVER,
      summary: "TF.js tensor count and bytes (404 unless DIAGNOSTICS = on)",
      response: "TensorMemory",
      errors: [404],
      examples: [],
    },
  );
  return routes;
}

/** `/v1/models/{name}:predict` with `{name: "flights"}` → `/v1/models/flights:predict`. */
export function fillPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? `{${name}}`));
}

/** A curl command line for an example, against `origin`. */
export function curlOf(route: Route, example: Example, origin: string): string {
  const url = `${origin}${fillPath(route.path, example.params)}`;
  if (route.method === "get") return `curl -s ${url}`;
  if (example.body === undefined) return `curl -s -X POST ${url}`;
  const body = JSON.stringify(example.body).replace(/'/g, "'\\''");
  const auth = route.keys === "streamKey" ? ` -H "Authorization: Bearer $STREAM_KEY"` : "";
  return `curl -s ${url}${auth} -H 'Content-Type: application/json' -d '${body}'`;
}

const PARAM_TEXT: Record<string, string> = {
  name: "Model name (GET / lists the models served)",
  stream: "Stream name: a published declaration, stream:<name> in the REGISTRY namespace (npm run streams -- publish)",
  version: "Model version (a non-negative integer)",
  label: "Version label from the model's labels (e.g. stable, canary)",
};

function operation(route: Route, origin: string): Json {
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const examples = Object.fromEntries(
      route.examples.filter((e) => e.params?.[name!] !== undefined).map((e) => [e.key, { value: e.params![name!] }]),
    );
    return { name, in: "path", required: true, description: PARAM_TEXT[name!], schema: { type: "string" }, examples };
  });
  const op: Json = {
    tags: [route.tag],
    summary: route.summary,
    operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())}`,
  };
  if (route.description) op.description = route.description;
  if (params.length > 0) op.parameters = params;
  if (route.request) {
    const examples = Object.fromEntries(
      route.examples.filter((e) => e.body !== undefined).map((e) => [e.key, { summary: e.summary, value: e.body }]),
    );
    op.requestBody = {
      required: route.request.required,
      content: {
        "application/json": {
          schema: ref(route.request.schema),
          ...(Object.keys(examples).length ? { examples } : {}),
        },
      },
    };
    if (route.request.schema === "V2InferRequest") {
      (op.requestBody as { content: Json }).content["application/octet-stream"] = { schema: BINARY_REQUEST };
      op.parameters = [...((op.parameters as Json[] | undefined) ?? []), INFERENCE_HEADER_LENGTH];
    }
  }
  const ok: Json = { description: route.status === 202 ? "Accepted: applied by the entity objects" : "OK" };
  if (route.response === "html") {
    ok.content = { "text/html": { schema: { type: "string" } } };
  } else if (route.response === "openapi") {
    ok.content = { "application/json": { schema: { type: "object", description: "OpenAPI 3.1" } } };
  } else {
    ok.content = json(route.response);
    if (route.path === "/") ok.content = { ...json("ServerIndex"), "text/html": { schema: { type: "string" } } };
  }
  if (route.request?.schema === "V2InferRequest") {
    ok.content = { ...(ok.content as Json), "application/octet-stream": { schema: BINARY_RESPONSE } };
  }
  if (route.versioned) {
    ok.headers = {
      "x-model-version": { description: "The model version that answered", schema: { type: "string" } },
      "Server-Timing": {
        description: "Where the time went (kv, load, infer), when the server sends it",
        schema: { type: "string" },
      },
    };
  }
  // A route that only refuses (repository load/unload) documents no 200.
  const responses: Json = route.response === "ErrorBody" ? {} : { [route.status ?? 200]: ok };
  const errors = route.open || route.keys ? route.errors : [...route.errors, 401, 429];
  for (const status of errors.sort((a, b) => a - b)) {
    const text =
      status === 401 && route.keys ? "Missing or unknown stream key (one of STREAM_KEYS)" : ERROR_TEXT[status];
    const error: Json = { description: text ?? "Error", content: json("ErrorBody") };
    if (status === 400 && route.request?.schema === "V2InferRequest") {
      (error.content as Json)["application/json"] = {
        schema: ref("ErrorBody"),
        examples: {
          unknown_field: {
            summary: "A tensor with a field the protocol does not have",
            value: { error: "inputs[0]: unknown field 'dtype'" },
          },
        },
      };
    }
    responses[status] = error;
  }
  op.responses = responses;
  if (route.open) op.security = [];
  if (route.keys) op.security = [{ [route.keys]: [] }];
  if (route.examples.length > 0) {
    op["x-codeSamples"] = route.examples.map((e) => ({
      lang: "Shell",
      label: e.summary,
      source: curlOf(route, e, origin),
    }));
  }
  return op;
}

/** The document; `origin` is where this Worker answers (the request's origin), for `servers` and the curl examples. */
export function openApiDocument(origin: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of routeTable()) {
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route, origin) };
  }
  const schemas: Json = {};
  for (const [name, schema] of Object.entries(REQUESTS)) schemas[name] = jsonSchema(schema, "input");
  for (const [name, schema] of Object.entries(RESPONSES)) schemas[name] = jsonSchema(schema, "output");
  return {
    openapi: "3.1.1",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: SERVER_NAME,
      version: SERVER_VERSION,
      summary:
        "Stateless TF.js model serving on Cloudflare Workers: TensorFlow Serving REST (v1) and the Open Inference Protocol (v2).",
      description:
        'Every error is `{"error": "<message>"}` with a fitting status. With API_KEYS set, send `Authorization: Bearer <key>` (health routes, /docs, /openapi.json and /monitor stay open).',
    },
    servers: [{ url: origin }],
    tags: [{ name: SERVER }, { name: V1 }, { name: V2 }, { name: STREAMS }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "One of API_KEYS" },
        streamKey: { type: "http", scheme: "bearer", description: "One of STREAM_KEYS (stream events only)" },
      },
    },
    security: [{ bearer: [] }, {}],
  };
}
