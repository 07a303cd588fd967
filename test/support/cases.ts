/**
 * One table of cases, each driven through TF Serving v1 and the Open Inference Protocol v2
 * (and, where it applies, RPC). A case names the request per protocol and what must come back.
 */
export interface ProtocolRequest {
  method?: "GET" | "POST";
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A call on the Predictor RPC entrypoint (test/support/rpc.ts derives one from v1/v2 when it can). */
export interface RpcRequest {
  method: "predict" | "infer" | "metadata" | "ready";
  args: unknown[];
}

export interface Case {
  name: string;
  v1?: ProtocolRequest;
  v2?: ProtocolRequest;
  /** Only for what v1/v2 cannot express over RPC (arguments that are not a JSON body). */
  rpc?: RpcRequest;
  status: number;
  /** For errors: the message must match. */
  error?: RegExp;
}

const V1 = "/v1/models/tiny_layers/versions/1:predict";
const V2 = "/v2/models/tiny_layers/versions/1/infer";
const row = { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] };
const tensor = (name: string, shape: number[], data: unknown, datatype = "FP32") => ({ name, shape, datatype, data });
const goodV2 = [tensor("features", [1, 4], [0.1, 0.2, 0.3, 0.4]), tensor("extra", [1, 2], [1, 2])];
/** JSON text of arrays nested `depth` deep around one number (as text: too deep for some JSON printers). */
const deep = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
/** The same, as a value (for RPC, where it travels by structured clone). */
const deepValue = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};
/** A header that keeps a case HTTP-only (test/support/rpc.ts derives no RPC call from it). */
const httpOnly = { "content-type": "application/json" };
const FLIGHTS_V1 = "/v1/models/flights:predict";

export const CASES: Case[] = [
  {
    name: "a valid request",
    v1: { path: V1, body: { instances: [row] } },
    v2: { path: V2, body: { inputs: goodV2 } },
    status: 200,
  },
  {
    name: "malformed JSON",
    v1: { path: V1, body: '{"instances": [' },
    v2: { path: V2, body: '{"inputs": [' },
    status: 400,
    error: /request body: not valid JSON/,
  },
  {
    name: "NaN literals (not JSON)",
    v1: { path: V1, body: '{"instances": [{"features": [NaN, 1, 2, 3], "extra": [1, 2]}]}' },
    v2: {
      path: V2,
      body: '{"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32", "data": [NaN, 1, 2, 3]}]}',
    },
    status: 400,
    error: /request body: not valid JSON/,
  },
  {
    name: "a value outside FP32 (becomes Infinity)",
    v1: { path: V1, body: { instances: [{ ...row, extra: [1, 1e39] }] } },
    v2: { path: V2, body: { inputs: [goodV2[0], tensor("extra", [1, 2], [1, 1e39])] } },
    status: 400,
    error: /outside the range of FP32/,
  },
  {
    name: "a wrong content type (v2; v1 reads any body as JSON, below)",
    v2: { path: V2, body: JSON.stringify({ inputs: goodV2 }), headers: { "content-type": "text/csv" } },
    status: 415,
    error: /Content-Type: expected application\/json, got/,
  },
  {
    name: "a JSON body sent as a form, as curl -d does (TF Serving reads it)",
    v1: {
      path: V1,
      body: JSON.stringify({ instances: [row] }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    },
    status: 200,
  },
  {
    name: "unknown top-level fields such as Vertex-style parameters (TF Serving ignores them)",
    v1: { path: V1, body: { instances: [row], parameters: { confidence: 0.5 }, client: "x" } },
    status: 200,
  },
  {
    name: "an empty signature_name (the default signature)",
    v1: { path: V1, body: { instances: [row], signature_name: "" } },
    status: 200,
  },
  {
    name: "an unknown Content-Encoding",
    v1: {
      path: V1,
      body: JSON.stringify({ instances: [row] }),
      headers: { "content-type": "application/json", "content-encoding": "br" },
    },
    v2: {
      path: V2,
      body: JSON.stringify({ inputs: goodV2 }),
      headers: { "content-type": "application/json", "content-encoding": "br" },
    },
    status: 415,
    error: /Content-Encoding: expected gzip, deflate or identity, got 'br'/,
  },
  {
    name: "a body that says gzip but is not",
    v1: {
      path: V1,
      body: JSON.stringify({ instances: [row] }),
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
    },
    v2: {
      path: V2,
      body: JSON.stringify({ inputs: goodV2 }),
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
    },
    status: 400,
    error: /request body: not valid gzip data/,
  },
  {
    name: "a body that is not UTF-8",
    v1: { path: V1, body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
    v2: { path: V2, body: new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]) },
    status: 400,
    error: /not valid UTF-8/,
  },
  {
    name: "a lone surrogate in a string",
    v1: { path: "/v1/models/tiny_text:predict", body: '{"instances": [{"text": "\\ud800", "count": 1}]}' },
    v2: {
      path: "/v2/models/tiny_text/infer",
      body: '{"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["\\ud800"]}, {"name": "count", "shape": [1], "datatype": "INT32", "data": [1]}]}',
    },
    status: 400,
    error: /string is not valid Unicode/,
  },
  {
    name: "an empty body",
    v1: { path: V1, body: "" },
    v2: { path: V2, body: "" },
    status: 400,
    error: /got an empty body/,
  },
  {
    name: "neither instances nor inputs / no inputs",
    v1: { path: V1, body: { signature_name: "serving_default" } },
    v2: { path: V2, body: { id: "x" } },
    status: 400,
    error: /(got neither|inputs: expected a non-empty array)/,
  },
  {
    name: "both instances and inputs",
    v1: { path: V1, body: { instances: [row], inputs: { ...row } } },
    status: 400,
    error: /got both/,
  },
  {
    name: "ragged data",
    v1: {
      path: V1,
      body: {
        inputs: {
          features: [
            [1, 2, 3, 4],
            [1, 2],
          ],
          extra: [
            [1, 2],
            [3, 4],
          ],
        },
      },
    },
    v2: {
      path: V2,
      body: {
        inputs: [
          tensor(
            "features",
            [2, 4],
            [
              [1, 2, 3, 4],
              [1, 2],
            ],
          ),
          goodV2[1],
        ],
      },
    },
    status: 400,
    error: /ragged tensor/,
  },
  {
    name: "a wrong dtype",
    v1: { path: V1, body: { instances: [{ ...row, extra: ["a", "b"] }] } },
    v2: { path: V2, body: { inputs: [goodV2[0], tensor("extra", [1, 2], [1, 2], "BYTES")] } },
    status: 400,
    error:
      /(instances\[0\]\.extra element 0: expected a number, got the string "a"|inputs\[1\]\.datatype: input 'extra' takes FP32)/,
  },
  {
    name: "a wrong shape",
    v1: { path: V1, body: { instances: [{ ...row, features: [1, 2, 3] }] } },
    v2: { path: V2, body: { inputs: [tensor("features", [1, 3], [1, 2, 3]), goodV2[1]] } },
    status: 400,
    error: /expected shape \[(-1, )?4\]/,
  },
  {
    name: "a wrong element count",
    v2: { path: V2, body: { inputs: [tensor("features", [1, 4], [1, 2, 3]), goodV2[1]] } },
    status: 400,
    error: /expected 4 elements/,
  },
  {
    name: "batches that disagree",
    v1: {
      path: V1,
      body: {
        inputs: {
          features: [[1, 2, 3, 4]],
          extra: [
            [1, 2],
            [3, 4],
          ],
        },
      },
    },
    v2: { path: V2, body: { inputs: [goodV2[0], tensor("extra", [2, 2], [1, 2, 3, 4])] } },
    status: 400,
    error: /'extra' has 2 rows but 'features' has 1/,
  },
  {
    name: "an unknown input name",
    v1: { path: V1, body: { instances: [{ ...row, colour: 3 }] } },
    v2: { path: V2, body: { inputs: [...goodV2, tensor("colour", [1], [3])] } },
    status: 400,
    error: /unknown input 'colour'/,
  },
  {
    name: "an unknown output name",
    v2: { path: V2, body: { inputs: goodV2, outputs: [{ name: "logits" }] } },
    status: 400,
    error: /unknown output 'logits'/,
  },
  {
    name: "a class count that is not a count (classification extension)",
    v2: { path: V2, body: { inputs: goodV2, outputs: [{ name: "probs", parameters: { classification: 1.5 } }] } },
    status: 400,
    error: /outputs\[0\]\.parameters\.classification: expected a non-negative integer, got the number 1\.5/,
  },
  {
    name: "an unknown model",
    v1: { path: "/v1/models/nope:predict", body: { instances: [row] } },
    v2: { path: "/v2/models/nope/infer", body: { inputs: goodV2 } },
    status: 404,
    error: /model 'nope' not found; available models: .*tiny_layers/,
  },
  {
    name: "an unknown version",
    v1: { path: "/v1/models/tiny_layers/versions/9:predict", body: { instances: [row] } },
    v2: { path: "/v2/models/tiny_layers/versions/9/infer", body: { inputs: goodV2 } },
    status: 404,
    error: /model 'tiny_layers' has no version 9; available versions: 1, 2/,
  },
  {
    name: "an unknown label",
    v1: { path: "/v1/models/tiny_layers/labels/beta:predict", body: { instances: [row] } },
    status: 404,
    error: /model 'tiny_layers' has no label 'beta'; labels: stable, canary/,
  },
  {
    name: "a version that is not a number",
    v1: { path: "/v1/models/tiny_layers/versions/one:predict", body: { instances: [row] } },
    v2: { path: "/v2/models/tiny_layers/versions/one/infer", body: { inputs: goodV2 } },
    rpc: { method: "predict", args: ["tiny_layers", [row], { version: "one" }] },
    status: 400,
    error:
      /version: expected a non-negative integer without leading zeros, at most 2\^53-1, got ('one'|the string "one")/,
  },
  {
    name: "too many instances / rows",
    v1: { path: V1, body: { instances: Array.from({ length: 1025 }, () => row) } },
    v2: {
      path: V2,
      body: {
        inputs: [
          tensor("features", [1025, 4], new Array(4100).fill(0)),
          tensor("extra", [1025, 2], new Array(2050).fill(0)),
        ],
      },
    },
    status: 400,
    error: /at most 1024 (instances|rows) are allowed per request, got 1025/,
  },
  {
    name: "too many elements",
    v2: { path: V2, body: { inputs: [tensor("features", [300_000, 4], [0]), goodV2[1]] } },
    status: 400,
    error: /inputs\[0\]\.shape: at most 1000000 elements are allowed per tensor, got 1200000/,
  },
  {
    name: "arrays nested 10,000 deep (v1 rows, v2 data)",
    v1: { path: V1, body: `{"instances": [{"features": ${deep(10_000)}, "extra": [1, 2]}]}` },
    v2: {
      path: V2,
      body: `{"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32", "data": ${deep(10_000)}}]}`,
    },
    status: 400,
    error: /(instances\[0\]\.features|inputs\[0\]\.data): arrays may be nested at most 32 deep/,
  },
  {
    name: "arrays nested 10,000 deep (v1 columns)",
    v1: { path: V1, body: `{"inputs": {"features": ${deep(10_000)}, "extra": [[1, 2]]}}` },
    rpc: { method: "predict", args: ["tiny_layers", [{ features: deepValue(100), extra: [1, 2] }], { version: 1 }] },
    status: 400,
    error: /(inputs\.features|instances\[0\]\.features): arrays may be nested at most 32 deep/,
  },
  {
    name: "a shape of 2,000,000 dimensions (a short error)",
    v2: { path: V2, body: { inputs: [tensor("features", new Array(2_000_000).fill(1), [1]), goodV2[1]] } },
    status: 400,
    error: /^inputs\[0\]\.shape: at most 32 dimensions are allowed, got 2000000$/,
  },
  {
    name: "an unknown input named by 100,000 characters (a short error)",
    v1: { path: V1, body: { instances: [{ ...row, ["x".repeat(100_000)]: 1 }] } },
    v2: { path: V2, body: { inputs: [...goodV2, tensor("y".repeat(100_000), [1], [3])] } },
    status: 400,
    error: /unknown input '(x{64}|y{64})…'; this model's inputs are 'features', 'extra'$/,
  },
  {
    name: "zero rows",
    v1: { path: FLIGHTS_V1, body: { inputs: { origin: [], destination: [], departure: [], distance: [] } } },
    v2: { path: V2, body: { inputs: [tensor("features", [0, 4], []), tensor("extra", [0, 2], [])] } },
    status: 400,
    error: /^inputs(\.origin|\[0\]\.shape): at least 1 row is required per request, got 0$/,
  },
  {
    name: "a pass-through key or request id over 256 bytes",
    v1: { path: V1, body: { instances: [{ ...row, key: "k".repeat(5_000_000) }] } },
    v2: { path: V2, body: { id: "i".repeat(300), inputs: goodV2 } },
    status: 400,
    error:
      /^(instances\[0\]\.key|id): pass-through values are echoed with the answer, so at most 256 bytes are allowed, got (5000000|300) bytes$/,
  },
  {
    name: "a model name of 8 KB",
    v1: { path: `/v1/models/${"m".repeat(8192)}:predict`, body: { instances: [row] } },
    v2: { path: `/v2/models/${"m".repeat(8192)}/infer`, body: { inputs: goodV2 } },
    status: 400,
    error:
      /^model: expected a model name of 1-128 letters, digits, '_', '\.' or '-', starting with a letter or digit, got the string "m{40}…"$/,
  },
  {
    name: "a model name with other characters",
    v1: { path: "/v1/models/tiny%20layers:predict", body: { instances: [row] }, headers: httpOnly },
    v2: { path: "/v2/models/tiny%20layers/infer", body: { inputs: goodV2 }, headers: httpOnly },
    rpc: { method: "infer", args: ["tiny layers", { inputs: goodV2 }] },
    status: 400,
    error: /^model: expected a model name of 1-128 letters/,
  },
  {
    name: "a version with leading zeros",
    v1: { path: "/v1/models/tiny_layers/versions/01:predict", body: { instances: [row] }, headers: httpOnly },
    v2: { path: "/v2/models/tiny_layers/versions/01/infer", body: { inputs: goodV2 }, headers: httpOnly },
    rpc: { method: "predict", args: ["tiny_layers", [row], { version: "01" }] },
    status: 400,
    error: /^version: expected a non-negative integer without leading zeros, at most 2\^53-1, got the string "01"$/,
  },
  {
    name: "a version above 2^53-1",
    v1: {
      path: "/v1/models/tiny_layers/versions/9007199254740993:predict",
      body: { instances: [row] },
      headers: httpOnly,
    },
    v2: { path: "/v2/models/tiny_layers/versions/9007199254740993/infer", body: { inputs: goodV2 }, headers: httpOnly },
    rpc: { method: "predict", args: ["tiny_layers", [row], { version: 2 ** 53 }] },
    status: 400,
    error:
      /^version: expected a non-negative integer without leading zeros, at most 2\^53-1, got (the string "9007199254740993"|the number 9007199254740992)$/,
  },
  {
    name: "a label with other characters",
    v1: { path: "/v1/models/tiny_layers/labels/st%21ble:predict", body: { instances: [row] }, headers: httpOnly },
    rpc: { method: "predict", args: ["tiny_layers", [row], { label: "st!ble" }] },
    status: 400,
    error: /^label: expected a label of 1-128 letters, digits/,
  },
  {
    name: "a path of 8 KB (a short error)",
    v1: { method: "GET", path: `/v1/models/${"p".repeat(8_000)}/nowhere/else` },
    v2: { method: "GET", path: `/v2/${"p".repeat(8_000)}` },
    status: 404,
    error: /^no route for .*… \(message cut\)$/,
  },
  {
    name: "a body over the size limit",
    v1: { path: V1, body: `{"instances": [${"0,".repeat(4_200_000)}0]}` },
    status: 413,
    error: /at most 8388608 bytes are allowed/,
  },
  {
    name: "an unsupported v1 method",
    v1: { path: "/v1/models/tiny_layers:classify", body: { examples: [] } },
    status: 400,
    error: /implements ':predict' only/,
  },
  {
    name: "a model name that is not a string (RPC)",
    rpc: { method: "infer", args: [42, { inputs: goodV2 }] },
    status: 400,
    error: /model: expected a model name, got the number 42/,
  },
  {
    name: "an unknown option (RPC)",
    rpc: { method: "predict", args: ["tiny_layers", [row], { versoin: 1 }] },
    status: 400,
    error: /options: unknown field 'versoin'; expected 'version', 'label', 'signatureName'/,
  },
  {
    name: "a context flag that is not a boolean",
    v1: { path: V1, body: { instances: [row], context: "yes" } },
    v2: { path: V2, body: { parameters: { context: "yes" }, inputs: goodV2 } },
    rpc: { method: "predict", args: ["tiny_layers", [row], { version: 1, context: "yes" }] },
    status: 400,
    error: /context: expected a boolean, got the string "yes"/,
  },
  {
    name: "an as_of that is not a string",
    v1: { path: V1, body: { instances: [row], as_of: 5 } },
    v2: { path: V2, body: { parameters: { as_of: 5 }, inputs: goodV2 } },
    rpc: { method: "predict", args: ["tiny_layers", [row], { version: 1, asOf: 5 }] },
    status: 400,
    error: /as_of: expected a string, got the number 5/,
  },
  {
    name: "predict with GET",
    v1: { method: "GET", path: V1 },
    v2: { method: "GET", path: V2 },
    status: 405,
    error: /GET is not allowed here; use POST/,
  },
  {
    name: "flights: an as_of after the scheduled departure",
    v1: {
      path: "/v1/models/flights:predict",
      body: {
        instances: [{ origin: "SFO", destination: "LAX", departure: "2001-06-15T08:30", distance: 337 }],
        as_of: "2001-06-15T08:31",
      },
    },
    v2: {
      path: "/v2/models/flights/infer",
      body: {
        parameters: { as_of: "2001-06-15T08:31" },
        inputs: [
          tensor("origin", [1], ["SFO"], "BYTES"),
          tensor("destination", [1], ["LAX"], "BYTES"),
          tensor("departure", [1], ["2001-06-15T08:30"], "BYTES"),
          tensor("distance", [1], [337]),
        ],
      },
    },
    status: 400,
    error:
      /^(parameters\.)?as_of: expected a prediction time not after the scheduled departure of (instances\[0\]|inputs row 0)/,
  },
  {
    name: "flights: an as_of that is not a time",
    v1: {
      path: "/v1/models/flights:predict",
      body: {
        instances: [{ origin: "SFO", destination: "LAX", departure: "2001-06-15T08:30", distance: 337 }],
        as_of: "yesterday",
      },
    },
    status: 400,
    error: /^as_of: expected the prediction time, an ISO 8601 instant .*got the string "yesterday"/,
  },
];
