import { describe, expect, it } from "vitest";
import {
  firstIssue,
  formatPath,
  parseEnvelope,
  V1PredictRequest,
  V2InferRequest,
  V2RepositoryIndexRequest,
} from "../../src/core/codecs/schemas.ts";
import { errorOf } from "../support/errors.ts";

const tensor = { name: "x", shape: [1, 2], datatype: "FP32", data: [1, 2] };

describe("request envelopes as zod schemas", () => {
  it("formats issue paths the way the error messages name fields", () => {
    expect(formatPath([])).toBe("request body");
    expect(formatPath(["inputs", 0, "shape", 1])).toBe("inputs[0].shape[1]");
    expect(formatPath(["outputs", 2, "name"])).toBe("outputs[2].name");
  });

  it.each([
    [V2InferRequest, { inputs: [{ ...tensor, name: 5, dtype: "x" }] }, "inputs[0]: unknown field 'dtype'"],
    [
      V2InferRequest,
      { id: 7, extra: true, inputs: [] },
      "request body: unknown field 'extra'; expected 'id', 'parameters', 'inputs', 'outputs'",
    ],
    [V2InferRequest, { id: 7, inputs: [tensor] }, "id: expected a string, got the number 7"],
    [
      V2InferRequest,
      { inputs: [{ ...tensor, shape: [1, 2.5] }] },
      "inputs[0].shape[1]: expected a non-negative integer, got the number 2.5",
    ],
    [
      V2InferRequest,
      { inputs: [{ ...tensor, shape: "1,2" }] },
      'inputs[0].shape: expected an array of non-negative integers, got the string "1,2"',
    ],
    [
      V2InferRequest,
      { inputs: [{ ...tensor, data: { b64: "AA==" } }] },
      "inputs[0].data: expected an array of elements (flat, or nested as the shape), got an object",
    ],
    [
      V2InferRequest,
      { inputs: [tensor], outputs: [{ name: 1 }] },
      "outputs[0].name: expected a string, got the number 1",
    ],
    [V2InferRequest, { inputs: [tensor], parameters: [] }, "parameters: expected an object, got an array of length 0"],
    [V1PredictRequest, { instances: undefined }, "instances: expected a non-empty array, got undefined"],
    [
      V1PredictRequest,
      { inputs: [1], instances: [1] },
      "request body: expected exactly one of 'instances' (row format) or 'inputs' (columnar format), got both",
    ],
    [V1PredictRequest, { instances: [1], signature_name: 3 }, "signature_name: expected a string, got the number 3"],
    [V2RepositoryIndexRequest, { ready: "yes" }, 'ready: expected a boolean, got the string "yes"'],
    [
      V2RepositoryIndexRequest,
      [true],
      'request body: expected a JSON object like {"ready": true}, got an array of length 1',
    ],
  ])("%#: refuses with the field, what was expected and what came", (schema, body, message) => {
    const err = errorOf(() => parseEnvelope(schema as never, body));
    expect(err.status).toBe(400);
    expect(err.message).toBe(message);
  });

  it("reports an unknown field before anything inside the object that holds it, and nothing else out of order", () => {
    const result = V2InferRequest.safeParse({ inputs: [{ ...tensor, name: 5, extra: 1 }] });
    expect(result.success).toBe(false);
    expect(firstIssue(result.error!.issues)).toMatchObject({ code: "unrecognized_keys", path: ["inputs", 0] });
    const sibling = V2InferRequest.safeParse({
      inputs: [
        { ...tensor, shape: [-1] },
        { ...tensor, extra: 1 },
      ],
    });
    expect(firstIssue(sibling.error!.issues).path).toEqual(["inputs", 0, "shape", 0]);
  });

  it("passes valid envelopes through with their data untouched", () => {
    const data = [[1, 2]];
    const parsed = parseEnvelope(V2InferRequest, { id: "a", inputs: [{ ...tensor, data }], outputs: [{ name: "y" }] });
    expect(parsed.inputs[0]!.data).toBe(data);
    expect(parseEnvelope(V1PredictRequest, { inputs: { x: [[1, 2]] }, signature_name: "serving_default" })).toEqual({
      inputs: { x: [[1, 2]] },
      signature_name: "serving_default",
    });
  });
});
