/**
 * A batch of zero rows is refused the same way by every bundled model and protocol: 400 naming the
 * field, never a model run and never a 5xx (flights answered 500 to zero rows before).
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BUNDLED_MODELS } from "../../src/adapters/bundled/models.generated.ts";
import type { Predictor as PredictorContract } from "../../src/client.ts";
import type { PredictorApi } from "../../src/rpc/contract.ts";
import { client } from "../support/client.ts";
import { callRpc } from "../support/rpc.ts";

const api = client((url, init) => exports.default.fetch(url, init));
const bound = () => (env as unknown as { SELF_RPC: Service<PredictorContract> }).SELF_RPC;

describe("a zero-row batch", () => {
  it.each(BUNDLED_MODELS.map((m) => m.name))("is a 400 for %s over v1 (columns and rows), v2 and RPC", async (name) => {
    const meta = await api.get(`/v2/models/${name}`);
    expect(meta.status, meta.text).toBe(200);
    const inputs = meta.json.inputs as Array<{ name: string; datatype: string; shape: number[] }>;

    const v2 = await api.post(`/v2/models/${name}/infer`, {
      inputs: inputs.map((i) => ({ name: i.name, datatype: i.datatype, shape: [0, ...i.shape.slice(1)], data: [] })),
    });
    expect(v2.status, v2.text).toBe(400);
    expect(v2.json.error).toMatch(/^inputs\[0\]\.shape: at least 1 row is required per request, got 0$/);

    const columns = await api.post(`/v1/models/${name}:predict`, {
      inputs: Object.fromEntries(inputs.map((i) => [i.name, []])),
    });
    expect(columns.status, columns.text).toBe(400);
    // Rank-1 inputs: zero rows; higher ranks: `[]` cannot have their shape.
    expect(columns.json.error).toMatch(/at least 1 row is required per request, got 0$|expected shape \[-1, /);

    const rows = await api.post(`/v1/models/${name}:predict`, { instances: [] });
    expect([rows.status, rows.json.error]).toEqual([
      400,
      expect.stringMatching(/^instances: expected a non-empty array/),
    ]);

    const rpc = await callRpc(bound() as unknown as PredictorApi, { method: "predict", args: [name, []] });
    expect(rpc.ok ? 200 : rpc.status).toBe(400);
  });
});
