/**
 * Every fixture model answers v1 (row and columnar), v2 and RPC `infer` within 1e-6 of the
 * reference outputs computed in Node by @tensorflow/tfjs from the same files (tiny_detect: a
 * graph with NonMaxSuppressionV5, Where and a while loop, which TF.js runs with executeAsync).
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Predictor as PredictorContract } from "../../src/client.ts";
import { client } from "../support/client.ts";
import { expectClose, REFERENCE, shapeOf } from "../support/reference.ts";

const api = client((url, init) => exports.default.fetch(url, init));
const tol = REFERENCE.tolerance;
const bound = (env as unknown as { SELF_RPC: Service<PredictorContract> }).SELF_RPC;

/** A v2 request for a reference case, inputs in the model's own order with its datatypes. */
async function v2Request(
  model: { name: string; version: number },
  c: { name: string; inputs: Record<string, unknown> },
) {
  const meta = await api.get(`/v2/models/${model.name}/versions/${model.version}`);
  expect(meta.status, meta.text).toBe(200);
  return {
    id: `ref-${c.name}`,
    inputs: meta.json.inputs.map((spec: { name: string; datatype: string }) => ({
      name: spec.name,
      datatype: spec.datatype,
      shape: shapeOf(c.inputs[spec.name]),
      data: c.inputs[spec.name],
    })),
  };
}

function expectOutputs(
  outputs: Array<{ name: string; shape: number[]; data: unknown[] }>,
  expected: Record<string, unknown>,
) {
  for (const [name, value] of Object.entries(expected)) {
    const out = outputs.find((o) => o.name === name)!;
    expect(out, name).toBeDefined();
    expect(out.shape).toEqual(shapeOf(value));
    expectClose(out.data, (value as unknown[]).flat(Infinity), tol, name);
  }
}

describe.each(REFERENCE.models.map((m) => [`${m.name} v${m.version} (${m.format})`, m] as const))(
  "%s",
  (_label, model) => {
    const base = `/v1/models/${model.name}/versions/${model.version}`;

    it.each(model.cases.map((c) => [c.name, c] as const))("v1 columnar %s matches the reference", async (_n, c) => {
      const res = await api.post(`${base}:predict`, { inputs: c.inputs });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("x-model-version")).toBe(String(model.version));
      const names = Object.keys(c.outputs);
      const outputs = names.length === 1 ? { [names[0]!]: res.json.outputs } : res.json.outputs;
      for (const name of names) expectClose(outputs[name], c.outputs[name], tol, name);
    });

    // Models whose outputs have no batch axis (tiny_detect) answer v1 in columnar format only.
    const rowCases = model.rows === false ? [] : model.cases;
    it.each(rowCases.map((c) => [c.name, c] as const))("v1 rows %s match the reference", async (_n, c) => {
      const names = Object.keys(c.inputs);
      const batch = shapeOf(c.inputs[names[0]!])[0]!;
      const instances = Array.from({ length: batch }, (_, i) =>
        Object.fromEntries(names.map((n) => [n, (c.inputs[n] as unknown[])[i]])),
      );
      const res = await api.post(`${base}:predict`, { instances });
      expect(res.status, res.text).toBe(200);
      const outNames = Object.keys(c.outputs);
      res.json.predictions.forEach((p: Record<string, unknown>, i: number) => {
        for (const name of outNames) {
          const got = outNames.length === 1 ? p : p[name];
          expectClose(got, (c.outputs[name] as unknown[])[i], tol, `${name}[${i}]`);
        }
      });
    });

    it.each(model.cases.map((c) => [c.name, c] as const))("v2 infer %s matches the reference", async (_n, c) => {
      const res = await api.post(`/v2/models/${model.name}/versions/${model.version}/infer`, await v2Request(model, c));
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({
        model_name: model.name,
        model_version: String(model.version),
        id: `ref-${c.name}`,
      });
      expectOutputs(res.json.outputs, c.outputs);
    });

    it.each(model.cases.map((c) => [c.name, c] as const))("RPC infer %s matches the reference", async (_n, c) => {
      const answer = await bound.infer(model.name, await v2Request(model, c), { version: model.version });
      expect(answer.model_version).toBe(String(model.version));
      expectOutputs(answer.outputs as Array<{ name: string; shape: number[]; data: unknown[] }>, c.outputs);
    });
  },
);
