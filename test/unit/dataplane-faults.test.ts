/**
 * An exception inside the model (or its pipeline) becomes a 500 "model … failed while running"
 * with nothing of the original error in the public message; it is logged, and the model is
 * released all the same. Errors the model path raises on purpose (ServeError) pass unchanged.
 */
import { describe, expect, it } from "vitest";
import { invalidInput } from "../../src/core/errors.ts";
import type { Registry, ServedModel } from "../../src/core/models/registry.ts";
import type { LoadedModel } from "../../src/core/models/runtime.ts";
import type { Pipeline } from "../../src/core/pipeline/plugin.ts";
import { type Deps, predict, withModel } from "../../src/core/serving/dataplane.ts";
import type { Signature } from "../../src/core/tensors/spec.ts";
import { DEFAULT_LIMITS } from "../../src/core/tensors/tensors.ts";
import { failure } from "../support/errors.ts";

const signature: Signature = {
  inputs: [{ name: "x", tensor: "x", dtype: "float32", shape: [-1, 2] }],
  outputs: [{ name: "y", tensor: "y", dtype: "float32", shape: [-1] }],
};
const inputs = { x: { dtype: "float32" as const, shape: [1, 2], values: Float32Array.of(1, 2) } };

function served(run: LoadedModel["run"], pipeline?: Pipeline): ServedModel {
  const model: LoadedModel = {
    format: "graph-model",
    inputs: signature.inputs,
    outputs: signature.outputs,
    run,
    dispose: () => {},
  };
  return {
    name: "boom",
    version: 3,
    format: "graph-model",
    sha256: "0".repeat(64),
    source: "fake",
    description: "",
    signatureName: "serving_default",
    passthrough: ["key"],
    signature,
    modelSignature: signature,
    model,
    ...(pipeline ? { pipeline } : {}),
  };
}

function deps(logged: Array<[string, Record<string, unknown>]>, registry = {} as Registry): Deps {
  return {
    registry,
    context: { getMany: async () => ({ values: new Map(), degraded: false }) },
    limits: DEFAULT_LIMITS,
    log: (event, detail) => logged.push([event, detail]),
  };
}

const secret = () => {
  const err = new Error("kernel MatMul: shapes [1,2] and [3,1] at /srv/secret/model.ts:12");
  err.stack = `${err.message}\n    at execute (model.ts:12:5)`;
  return err;
};

describe("an exception inside the model", () => {
  it("maps to 500 'model … failed while running', logs the cause and shows none of it", async () => {
    const logged: Array<[string, Record<string, unknown>]> = [];
    const err = await failure(
      predict(
        deps(logged),
        served(async () => {
          throw secret();
        }),
        inputs,
      ),
    );
    expect(err.status).toBe(500);
    expect(err.code).toBe("INTERNAL");
    expect(err.message).toBe("model 'boom' version 3 failed while running");
    expect(err.message).not.toMatch(/MatMul|secret|\.ts:|\n/);
    expect(logged).toHaveLength(1);
    expect(logged[0]![0]).toBe("inference_failed");
    expect(logged[0]![1]).toMatchObject({ model: "boom", version: 3, error: expect.stringContaining("kernel MatMul") });
  });

  it("maps a synchronous throw and a non-Error throw the same way", async () => {
    const sync = served(() => {
      throw secret();
    });
    expect((await failure(predict(deps([]), sync, inputs))).message).toBe(
      "model 'boom' version 3 failed while running",
    );
    const odd = served(async () => {
      throw "a string, not an Error";
    }); // eslint-disable-line no-throw-literal
    expect((await failure(predict(deps([]), odd, inputs))).status).toBe(500);
  });

  it("maps a pipeline that crashes to the same 500", async () => {
    const pipeline: Pipeline = {
      signature,
      prepare: async () => {
        throw new TypeError("cannot read properties of undefined");
      },
    };
    const err = await failure(
      predict(
        deps([]),
        served(async () => ({}), pipeline),
        inputs,
      ),
    );
    expect(err.status).toBe(500);
    expect(err.message).toBe("model 'boom' version 3 failed while running");
  });

  it("passes a ServeError raised on purpose through unchanged", async () => {
    const err = await failure(
      predict(
        deps([]),
        served(async () => {
          throw invalidInput("x: too big");
        }),
        inputs,
      ),
    );
    expect(err.status).toBe(400);
    expect(err.message).toBe("x: too big");
  });

  it("releases the model even when the run fails", async () => {
    const released: ServedModel[] = [];
    const model = served(async () => {
      throw secret();
    });
    const registry = {
      resolve: async () => ({ name: "boom", version: 3, versions: [3] }),
      load: async () => model,
      release: (m: ServedModel) => released.push(m),
    } as unknown as Registry;
    const d = deps([], registry);
    expect((await failure(withModel(d, { name: "boom" }, (m) => predict(d, m, inputs)))).status).toBe(500);
    expect(released).toEqual([model]);
  });
});
