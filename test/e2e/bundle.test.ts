/**
 * The built bundle under Miniflare with the production config: the case table through v1 and
 * v2, the reference outputs, and byte-identical answers with the model memo on and off.
 */

import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CASES } from "../support/cases.ts";
import { client } from "../support/client.ts";
import { expectClose, REFERENCE } from "../support/reference.ts";
import { BUNDLE_DIR, fetcher, startWorker } from "./worker.ts";

let memo: Miniflare;
let noMemo: Miniflare;
beforeAll(async () => {
  [memo, noMemo] = await Promise.all([
    startWorker({ vars: { DIAGNOSTICS: "on" } }),
    startWorker({ vars: { MODEL_CACHE: "off", DIAGNOSTICS: "on" } }),
  ]);
});
afterAll(async () => {
  await Promise.all([memo?.dispose(), noMemo?.dispose()]);
});

describe("built bundle", () => {
  it("does not enable nodejs_compat and runs TF.js on the wasm backend", async () => {
    const toml = readFileSync("wrangler.toml", "utf8");
    expect(toml).not.toMatch(/^[^#]*nodejs_compat/m);
    const api = client(fetcher(memo));
    await api.post("/v1/models/tiny_graph:predict", { instances: [[1, 2, 3, 4]] });
    expect((await api.get("/_internal/memory")).json.backend).toBe("wasm");
    // The one literal require("fs") left is inside the threaded backend's pthread worker script,
    // a string tfjs-backend-wasm carries and never runs here (no threads in Workers).
    const code = readFileSync(`${BUNDLE_DIR}/worker.js`, "utf8").replace(/wasmWorkerContents=`[^`]*`/, "");
    expect(code).not.toMatch(/require\("fs"\)/);
  });

  it.each(
    CASES.flatMap((c) =>
      (["v1", "v2"] as const).filter((p) => c[p]).map((p) => [`${p}: ${c.name}`, c, c[p]!] as const),
    ),
  )("case %s gives the same status and error as in workerd tests", async (_label, c, request) => {
    const res = await client(fetcher(memo)).call(request.method ?? "POST", request.path, request.body, request.headers);
    expect(res.status, res.text.slice(0, 200)).toBe(c.status);
    if (c.error) expect(res.json.error).toMatch(c.error);
    expect(res.text.length, "a bounded message").toBeLessThan(1200);
  });

  it("decodes a gzip request body, as tritonclient sends it, to the plain body's answer", async () => {
    const api = client(fetcher(memo));
    const body = { instances: [{ features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] }] };
    const plain = await api.post("/v1/models/tiny_layers/versions/1:predict", body);
    const packed = gzipSync(JSON.stringify(body)); // Node's zlib: an encoder independent of the Worker
    const res = await api.post("/v1/models/tiny_layers/versions/1:predict", new Uint8Array(packed), {
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toBe(plain.text);
  });

  it("matches the Node reference outputs for every fixture model", async () => {
    const api = client(fetcher(memo));
    for (const model of REFERENCE.models) {
      for (const c of model.cases) {
        const res = await api.post(`/v1/models/${model.name}/versions/${model.version}:predict`, { inputs: c.inputs });
        expect(res.status, res.text).toBe(200);
        const names = Object.keys(c.outputs);
        const outputs = names.length === 1 ? { [names[0]!]: res.json.outputs } : res.json.outputs;
        for (const name of names)
          expectClose(outputs[name], c.outputs[name], REFERENCE.tolerance, `${model.name}.${name}`);
      }
    }
  });

  it("answers byte-identically with the model memo on and off, cold and warm", async () => {
    const requests = CASES.flatMap((c) => (["v1", "v2"] as const).map((p) => c[p]).filter((r) => r !== undefined));
    for (const round of ["cold", "warm"]) {
      for (const r of requests) {
        const [a, b] = await Promise.all(
          [memo, noMemo].map((mf) => client(fetcher(mf)).call(r.method ?? "POST", r.path, r.body, r.headers)),
        );
        expect(b!.status, `${round} ${r.path}`).toBe(a!.status);
        expect(b!.text, `${round} ${r.path}`).toBe(a!.text);
      }
    }
    // With the memo off, nothing stays behind in the isolate.
    expect((await client(fetcher(noMemo)).get("/_internal/memory")).json.numTensors).toBe(0);
  });
});
