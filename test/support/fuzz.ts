/**
 * Arbitraries and invariants for fuzzing the HTTP API with fast-check: arbitrary and near-valid
 * v1/v2 bodies, raw bytes, header values and path segments, and the check every answer must pass.
 */
import fc from "fast-check";
import { CASES } from "./cases.ts";

export const MODELS = ["tiny_layers", "tiny_graph", "tiny_text"] as const;
export const V1_PATHS = MODELS.flatMap((m) => [
  `/v1/models/${m}:predict`,
  `/v1/models/${m}/versions/1:predict`,
  `/v1/models/${m}/labels/stable:predict`,
]);
export const V2_PATHS = MODELS.flatMap((m) => [`/v2/models/${m}/infer`, `/v2/models/${m}/versions/1/infer`]);

/** Valid requests, per protocol: from the case table (status 200) plus one per fixture model. */
export const VALID: Array<{ path: string; body: unknown }> = [
  ...CASES.filter((c) => c.status === 200).flatMap((c) =>
    // A case may send its body as JSON text (with a content type of its own): mutate the value.
    [c.v1, c.v2]
      .filter((r) => r !== undefined)
      .map((r) => ({ path: r.path, body: typeof r.body === "string" ? JSON.parse(r.body) : r.body })),
  ),
  {
    path: "/v1/models/tiny_graph:predict",
    body: {
      instances: [
        { x: [1, 2, 3, 4], key: "k-1" },
        { x: [0, 0, 0, 1], key: 7 },
      ],
    },
  },
  { path: "/v1/models/tiny_text:predict", body: { inputs: { text: ["hello", "wörld"], count: [1, 2] } } },
  {
    path: "/v2/models/tiny_text/infer",
    body: {
      id: "r-1",
      inputs: [
        { name: "text", shape: [2], datatype: "BYTES", data: ["hello", "world"] },
        { name: "count", shape: [2], datatype: "INT32", data: [1, 2] },
      ],
      outputs: [{ name: "probs" }],
    },
  },
  {
    path: "/v2/models/tiny_graph/versions/2/infer",
    body: { inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: [[1, 2, 3, 4]] }] },
  },
];

const json = fc.jsonValue({ maxDepth: 4 });
const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
const DATATYPES = [
  "BOOL",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
];
const NAMES = ["features", "extra", "x", "text", "count", "score", "probs", "class"];
const SPECIAL = [
  null,
  true,
  false,
  "",
  0,
  -0,
  -1,
  1.5,
  1e39,
  -1e39,
  2 ** 31,
  2 ** 53,
  1e308,
  "NaN",
  "\ud800",
  [],
  {},
  [[]],
  { b64: "AAAA" },
  { b64: "!!" },
];

/** Anything a careless or hostile client might post to v1. */
export const v1Body = fc.oneof(
  json,
  fc.record({ instances: json }),
  fc.record({ inputs: json }),
  fc.record({
    instances: fc.array(fc.dictionary(fc.constantFrom(...NAMES, "key"), json, { maxKeys: 4 }), { maxLength: 4 }),
  }),
  fc.dictionary(fc.constantFrom("instances", "inputs", "signature_name", "key"), json, { maxKeys: 4 }),
);

const shape = fc.oneof(
  fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  json,
);
const v2Tensor = fc.record(
  {
    name: fc.oneof(fc.constantFrom(...NAMES), fc.string()),
    shape,
    datatype: fc.oneof(fc.constantFrom(...DATATYPES), fc.string()),
    data: fc.oneof(
      json,
      fc.array(fc.double(), { maxLength: 24 }),
      fc.array(fc.integer(), { maxLength: 24 }),
      fc.array(fc.string(), { maxLength: 4 }),
    ),
    parameters: json,
  },
  { requiredKeys: [] },
);

/** Anything a careless or hostile client might post to v2. */
export const v2Body = fc.oneof(
  json,
  fc.record({ inputs: json }),
  fc.record(
    {
      id: json,
      parameters: json,
      inputs: fc.array(v2Tensor, { maxLength: 3 }),
      outputs: fc.oneof(
        json,
        fc.array(fc.record({ name: fc.oneof(fc.constantFrom(...NAMES), fc.string()) }), { maxLength: 3 }),
      ),
    },
    { requiredKeys: ["inputs"] },
  ),
);

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every position in a JSON tree, as key paths (the root is []). */
function positions(value: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  const children = Array.isArray(value)
    ? value.flatMap((v, i) => positions(v, [...at, i]))
    : isObject(value)
      ? Object.entries(value).flatMap(([k, v]) => positions(v, [...at, k]))
      : [];
  return [at, ...children];
}

export type Mutation = {
  at: number;
  op: "replace" | "special" | "delete" | "wrap" | "duplicate" | "rename" | "stringify";
  value: Json;
  special: number;
  key: string;
};

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom("replace", "special", "delete", "wrap", "duplicate", "rename", "stringify"),
  value: json,
  special: fc.nat({ max: SPECIAL.length - 1 }),
  key: fc.string({ maxLength: 8 }),
});

/** Applies one mutation at one position of a (deep-copied) valid body: a near-valid body. */
export function mutate(body: Json, m: Mutation): Json {
  const root = structuredClone(body);
  const all = positions(root);
  const path = all[m.at % all.length]!;
  const replacement = (old: Json): Json => {
    switch (m.op) {
      case "replace":
        return m.value;
      case "special":
        return SPECIAL[m.special];
      case "wrap":
        return [old];
      case "stringify":
        return JSON.stringify(old);
      default:
        return old;
    }
  };
  if (path.length === 0) return m.op === "delete" ? undefined : replacement(root);
  const parent = path
    .slice(0, -1)
    .reduce<Json>((node, k) => (node as Record<string | number, Json>)[k], root) as Record<string | number, Json>;
  const key = path[path.length - 1]!;
  if (Array.isArray(parent) && typeof key === "number") {
    if (m.op === "delete") parent.splice(key, 1);
    else if (m.op === "duplicate") parent.splice(key, 0, structuredClone(parent[key]));
    else parent[key] = replacement(parent[key]);
  } else if (m.op === "delete") {
    delete parent[key];
  } else if (m.op === "rename") {
    const value = parent[key];
    delete parent[key];
    parent[m.key] = value;
  } else {
    parent[key] = replacement(parent[key]);
  }
  return root;
}

/** Raw bodies: JSON text cut short, arbitrary text, arbitrary bytes. */
export const rawBody = fc.oneof(
  fc.tuple(fc.constantFrom(...VALID), fc.nat()).map(([v, cut]) => {
    const text = JSON.stringify(v.body);
    return text.slice(0, cut % (text.length + 1));
  }),
  fc.string({ maxLength: 64 }),
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.uint8Array({ maxLength: 64 }),
);

export const contentType = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=UTF-8",
    "application/json; charset=latin1",
    "application/vnd.api+json",
    "text/plain",
    "text/csv",
    "",
    "application/json;;",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
  ),
  printable(40),
);

export const contentLength = fc.oneof(
  fc.nat({ max: 20_000_000 }).map(String),
  fc.constantFrom("-1", "abc", "1e3", "", "0x10", "99999999999999999999"),
);

export { printable };

/** Path segments under /v1/models and /v2/models: real names, grammar words, and junk. */
export const segment = fc.oneof(
  fc.constantFrom(
    ...MODELS,
    "versions",
    "labels",
    "1",
    "2",
    "9",
    "-1",
    "01",
    "stable",
    "canary",
    "metadata",
    "ready",
    "infer",
    ":predict",
    ":classify",
    "..",
    ".",
    "%",
    "%2F",
    "%00",
    "%zz",
    "%E2%82",
    "",
    "nope",
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  printable(12),
);

/** Stack-trace shapes that must never reach a client (unless the client itself sent them). */
const LEAKS = [/\n\s+at /, /\.ts:\d+/, /\.js:\d+/, /node_modules/, /\bat [\w$.<>]+ \(/];

export interface Answer {
  status: number;
  text: string;
  contentType: string | null;
}

/** The invariant: no 5xx, JSON always, `{"error": string}` on errors, and no stack traces. */
export function problemWith(res: Answer, sent: string): string | undefined {
  if (res.status >= 500) return `status ${res.status}: ${res.text.slice(0, 300)}`;
  if (!res.contentType?.startsWith("application/json")) return `content-type ${res.contentType}`;
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `body is not JSON: ${res.text.slice(0, 200)}`;
  }
  if (res.status >= 400) {
    if (
      !isObject(body) ||
      Object.keys(body).join() !== "error" ||
      typeof body.error !== "string" ||
      body.error === ""
    ) {
      return `error body is not {"error": string}: ${res.text.slice(0, 200)}`;
    }
    const leak = LEAKS.find((p) => p.test(body.error as string) && !p.test(sent));
    if (leak) return `stack trace shape ${leak} in: ${res.text.slice(0, 300)}`;
  }
  return undefined;
}
