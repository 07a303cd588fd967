/**
 * Every fixture model answers v1 (row and columnar) and v2 within 1e-6 of the reference
 * outputs computed in Node by @tensorflow/tfjs from the same files.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { client } from "../support/client.ts";
import { expectClose, REFERENCE, shapeOf } from "../support/reference.ts";

const api = client((url, init) => exports.default.fetch(url, init));
const tol = REFERENCE.tolerance;

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

    it.each(model.cases.map((c) => [c.name, c] as const))("v1 rows %s match the reference", async (_n, c) => {
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
      const meta = await api.get(`/v2/models/${model.name}/versions/${model.version}`);
      expect(meta.status, meta.text).toBe(200);
      const inputs = meta.json.inputs.map((spec: { name: string; datatype: string }) => ({
        name: spec.name,
        datatype: spec.datatype,
        shape: shapeOf(c.inputs[spec.name]),
        data: c.inputs[spec.name],
      }));
      const res = await api.post(`/v2/models/${model.name}/versions/${model.version}/infer`, {
        id: `ref-${c.name}`,
        inputs,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({
        model_name: model.name,
        model_version: String(model.version),
        id: `ref-${c.name}`,
      });
      for (const [name, expected] of Object.entries(c.outputs)) {
        const out = res.json.outputs.find((o: { name: string }) => o.name === name);
        expect(out.shape).toEqual(shapeOf(expected));
        expectClose(out.data, (expected as unknown[]).flat(Infinity), tol, name);
      }
    });
  },
);
