/**
 * The binary tensor data extension in the built bundle under Miniflare with the production config
 * (wasm backend, no nodejs_compat): a binary infer answers the JSON infer's values exactly, and
 * binary outputs carry the very float32s the JSON answer prints.
 */
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBinaryAnswer, toBinaryRequest } from "../support/binary.ts";
import { client } from "../support/client.ts";
import { fetcher, startWorker } from "./worker.ts";

let mf: Miniflare;
beforeAll(async () => {
  mf = await startWorker();
});
afterAll(async () => {
  await mf?.dispose();
});

const REQUESTS = [
  {
    path: "/v2/models/tiny_layers/versions/2/infer",
    body: {
      id: "e2e-binary",
      inputs: [
        { name: "features", shape: [2, 4], datatype: "FP32", data: [0.39, 1.41, 0.71, -0.6, -1.38, -1.62, 0.53, 0.01] },
        { name: "extra", shape: [2, 2], datatype: "FP32", data: [-0.11, 1.19, 0.01, 0.36] },
      ],
    },
  },
  {
    path: "/v2/models/tiny_text/infer",
    body: {
      inputs: [
        { name: "text", shape: [2], datatype: "BYTES", data: ["bundle", "ünïcode"] },
        { name: "count", shape: [2], datatype: "INT32", data: [4, 0] },
      ],
    },
  },
];

describe("binary tensor data in the built bundle", () => {
  it.each(REQUESTS.map((r) => [r.path, r] as const))(
    "%s: binary infer answers the JSON infer's values exactly",
    async (path, { body }) => {
      const json = await client(fetcher(mf)).post(path, body);
      expect(json.status, json.text).toBe(200);

      const made = toBinaryRequest(body);
      const headers = {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(made.headerLength),
      };
      const binaryIn = await mf.dispatchFetch(`http://serve.test${path}`, { method: "POST", headers, body: made.body });
      expect(binaryIn.status).toBe(200);
      expect(await binaryIn.text()).toBe(json.text);

      const asked = toBinaryRequest(body, { parameters: { binary_data_output: true } });
      const binaryOut = await mf.dispatchFetch(`http://serve.test${path}`, {
        method: "POST",
        headers: { ...headers, "inference-header-content-length": String(asked.headerLength) },
        body: asked.body,
      });
      expect(binaryOut.status).toBe(200);
      expect(binaryOut.headers.get("content-type")).toBe("application/octet-stream");
      const bytes = new Uint8Array(await binaryOut.arrayBuffer());
      const { header, values } = parseBinaryAnswer(
        bytes,
        Number(binaryOut.headers.get("inference-header-content-length")),
      );
      const outputs = json.json.outputs as Array<{ name: string; datatype: string; data: unknown[] }>;
      expect(header.outputs.map((o) => o.name)).toEqual(outputs.map((o) => o.name));
      for (const o of outputs) {
        const read = o.datatype === "FP32" ? (v: unknown) => Math.fround(v as number) : (v: unknown) => v;
        expect(values[o.name]!.map(read), o.name).toEqual(o.data.map(read));
      }
    },
  );
});
