/**
 * The request mix for the soak and the drill: valid and invalid requests over v1, v2, metadata,
 * health and access control, each with the status it must get. `variant` changes the inputs and
 * ids, so the drill's requests each have their own answer.
 */
export interface SoakRequest {
  label: string;
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
  expect: number;
}

export function mix(key: string, variant = 0): SoakRequest[] {
  const auth = { authorization: `Bearer ${key}` };
  const post = { ...auth, "content-type": "application/json" };
  const v = (variant % 97) / 97;
  const features = [v, 0.2, 0.3 - v, 0.4];
  const row = { features, extra: [1, variant % 5], key: `r-${variant}` };
  const batch = Array.from({ length: 8 }, (_, i) => [i / 8, v, 0.5, 1 - v]).flat();
  const json = (body: unknown) => JSON.stringify(body);
  return [
    {
      label: "v1 rows",
      method: "POST",
      path: "/v1/models/tiny_layers:predict",
      headers: post,
      body: json({ instances: [row, row] }),
      expect: 200,
    },
    {
      label: "v1 columns",
      method: "POST",
      path: "/v1/models/tiny_graph/versions/1:predict",
      headers: post,
      body: json({ inputs: { x: [features, [1, 2, 3, 4]] } }),
      expect: 200,
    },
    {
      label: "v2 text",
      method: "POST",
      path: "/v2/models/tiny_text/infer",
      headers: post,
      body: json({
        id: `t-${variant}`,
        inputs: [
          { name: "text", shape: [2], datatype: "BYTES", data: [`hello ${variant}`, "world"] },
          { name: "count", shape: [2], datatype: "INT32", data: [variant % 7, 2] },
        ],
      }),
      expect: 200,
    },
    {
      label: "v2 batch of 8",
      method: "POST",
      path: "/v2/models/tiny_layers/versions/2/infer",
      headers: post,
      body: json({
        id: `b-${variant}`,
        inputs: [
          { name: "features", shape: [8, 4], datatype: "FP32", data: batch },
          { name: "extra", shape: [8, 2], datatype: "FP32", data: new Array(16).fill(variant % 3) },
        ],
      }),
      expect: 200,
    },
    { label: "v2 metadata", method: "GET", path: "/v2/models/tiny_graph", headers: auth, expect: 200 },
    { label: "v1 status", method: "GET", path: "/v1/models/tiny_layers", headers: auth, expect: 200 },
    { label: "health (no key)", method: "GET", path: "/v2/health/ready", headers: {}, expect: 200 },
    {
      label: "malformed JSON",
      method: "POST",
      path: "/v1/models/tiny_layers:predict",
      headers: post,
      body: `{"instances": [${variant}`,
      expect: 400,
    },
    {
      label: "wrong datatype",
      method: "POST",
      path: "/v2/models/tiny_graph/infer",
      headers: post,
      body: json({ inputs: [{ name: "x", shape: [1, 4], datatype: "BYTES", data: ["a", "b", "c", `${variant}`] }] }),
      expect: 400,
    },
    {
      label: "too many instances",
      method: "POST",
      path: "/v1/models/tiny_graph:predict",
      headers: post,
      body: json({ instances: new Array(1025).fill([1, 2, 3, variant % 4]) }),
      expect: 400,
    },
    {
      label: "unknown model",
      method: "POST",
      path: `/v2/models/ghost-${variant % 3}/infer`,
      headers: post,
      body: json({ inputs: [] }),
      expect: 404,
    },
    {
      label: "wrong content type",
      method: "POST",
      path: "/v1/models/tiny_graph:predict",
      headers: { ...auth, "content-type": "text/csv" },
      body: "1,2,3,4",
      expect: 415,
    },
    {
      label: "no key",
      method: "POST",
      path: "/v1/models/tiny_graph:predict",
      headers: { "content-type": "application/json" },
      body: json({ instances: [[1, 2, 3, 4]] }),
      expect: 401,
    },
    {
      label: "wrong key",
      method: "GET",
      path: "/v2/models/tiny_graph",
      headers: { authorization: `Bearer ${key}x` },
      expect: 401,
    },
    { label: "GET on predict", method: "GET", path: "/v1/models/tiny_graph:predict", headers: auth, expect: 405 },
  ];
}
