/**
 * Request examples for the OpenAPI document and the docs page: the README's curl examples.
 * Each names the path parameters it fills, so a tool (or the test that pastes every one of
 * them into the API) can build the concrete request.
 */

export interface Example {
  /** Key in the OpenAPI `examples` maps (request body and path parameters alike). */
  key: string;
  summary: string;
  params?: Record<string, string>;
  body?: unknown;
}

export const FLIGHT = { origin: "SFO", destination: "LAX", departure: "2001-06-15T08:30", distance: 337 };

const tinyLayersRow = { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] };

export const V1_PREDICT: Record<"model" | "version" | "label", Example[]> = {
  model: [
    {
      key: "flights",
      summary: "Will SFO→LAX on 2001-06-15 08:30 arrive late? (context read from KV)",
      params: { name: "flights" },
      body: { instances: [{ ...FLIGHT, key: "UA123" }] },
    },
    {
      key: "tiny_graph",
      summary: "Two keyed rows",
      params: { name: "tiny_graph" },
      body: {
        instances: [
          { x: [1, 2, 3, 4], key: "row-1" },
          { x: [0.5, 0, 0, 1], key: "row-2" },
        ],
      },
    },
  ],
  version: [
    {
      key: "tiny_layers_v1",
      summary: "Row format, version 1",
      params: { name: "tiny_layers", version: "1" },
      body: { instances: [tinyLayersRow] },
    },
  ],
  label: [
    {
      key: "tiny_layers_stable",
      summary: "Columnar format, the stable label",
      params: { name: "tiny_layers", label: "stable" },
      body: { inputs: { features: [[0.1, 0.2, 0.3, 0.4]], extra: [[1, 2]] } },
    },
  ],
};

export const V1_GET: Record<"model" | "version" | "label", Example[]> = {
  model: [{ key: "tiny_layers", summary: "Every version of tiny_layers", params: { name: "tiny_layers" } }],
  version: [{ key: "tiny_layers_v2", summary: "tiny_layers version 2", params: { name: "tiny_layers", version: "2" } }],
  label: [
    {
      key: "tiny_layers_canary",
      summary: "The version the canary label names",
      params: { name: "tiny_layers", label: "canary" },
    },
  ],
};

export const V1_METADATA_GET: Record<"model" | "version" | "label", Example[]> = {
  model: [{ key: "flights", summary: "The flights model's signature", params: { name: "flights" } }],
  version: [{ key: "tiny_layers_v2", summary: "tiny_layers version 2", params: { name: "tiny_layers", version: "2" } }],
  label: [{ key: "tiny_layers_stable", summary: "The stable label", params: { name: "tiny_layers", label: "stable" } }],
};

export const V2_INFER: Record<"model" | "version", Example[]> = {
  model: [
    {
      key: "tiny_text",
      summary: "BYTES and INT32 inputs, one output asked for",
      params: { name: "tiny_text" },
      body: {
        id: "req-42",
        inputs: [
          { name: "text", shape: [2], datatype: "BYTES", data: ["hello", "world"] },
          { name: "count", shape: [2], datatype: "INT32", data: [1, 3] },
        ],
        outputs: [{ name: "probs" }],
      },
    },
    {
      key: "flights",
      summary: "One flight as v2 tensors",
      params: { name: "flights" },
      body: {
        id: "UA123",
        inputs: [
          { name: "origin", shape: [1], datatype: "BYTES", data: [FLIGHT.origin] },
          { name: "destination", shape: [1], datatype: "BYTES", data: [FLIGHT.destination] },
          { name: "departure", shape: [1], datatype: "BYTES", data: [FLIGHT.departure] },
          { name: "distance", shape: [1], datatype: "FP32", data: [FLIGHT.distance] },
        ],
      },
    },
  ],
  version: [
    {
      key: "tiny_layers_v1",
      summary: "Two named inputs, nested data",
      params: { name: "tiny_layers", version: "1" },
      body: {
        inputs: [
          { name: "features", shape: [1, 4], datatype: "FP32", data: [[0.1, 0.2, 0.3, 0.4]] },
          { name: "extra", shape: [1, 2], datatype: "FP32", data: [[1, 2]] },
        ],
      },
    },
  ],
};

export const V2_MODEL_GET: Record<"model" | "version", Example[]> = {
  model: [{ key: "tiny_text", summary: "Inputs and outputs of tiny_text", params: { name: "tiny_text" } }],
  version: [{ key: "tiny_layers_v1", summary: "tiny_layers version 1", params: { name: "tiny_layers", version: "1" } }],
};

/** A body every model refuses the same way, through the schema the codec validates with. */
export const BAD_V2_BODY = {
  inputs: [{ name: "features", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4], dtype: "float" }],
};

/** The event route's example: two events of the quakes walk-through's stream (docs/streams.md). */
export const STREAM_EVENTS: Example[] = [
  {
    key: "quakes",
    summary: "Two quakes of the walk-through's stream (its declaration published as stream:quakes)",
    params: { stream: "quakes" },
    body: {
      events: [
        { id: "ak0182ih8nbu", time: "2018-02-05T05:48:00Z", net: "ak", mag: 1.9, strong: false, depth: 12.3 },
        { id: "ci37866191", time: "2018-02-05T05:51:30Z", net: "ci", mag: 2.7, strong: true },
      ],
    },
  },
];
