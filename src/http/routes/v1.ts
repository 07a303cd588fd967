/**
 * TensorFlow Serving REST API (v1):
 *   GET  /v1/models/{name}[/versions/{v}|/labels/{l}]            model status
 *   GET  /v1/models/{name}[/versions/{v}|/labels/{l}]/metadata   signature_def
 *   POST /v1/models/{name}[/versions/{v}|/labels/{l}]:predict    row or columnar predict
 * The path grammar is ./grammar.ts; everything past decoding is core/serving.
 */
import { Hono } from "hono";
import { withModel } from "../../core/serving/dataplane.ts";
import { predictV1Text } from "../../core/serving/protocols.ts";
import { modelStatus } from "../../core/serving/status.ts";
import { tfServingDtypeOf } from "../../core/tensors/dtypes.ts";
import type { TensorSpec } from "../../core/tensors/spec.ts";
import type { AppEnv } from "../app-env.ts";
import { readJson } from "../body.ts";
import { errorResponse } from "../errors.ts";
import { parseV1Path } from "./grammar.ts";

const allowed = { status: "GET", metadata: "GET", predict: "POST" } as const;

function tensorInfo(spec: TensorSpec) {
  return {
    dtype: tfServingDtypeOf(spec.dtype),
    tensor_shape: { dim: spec.shape.map((d) => ({ size: String(d), name: "" })), unknown_rank: false },
    name: spec.tensor ?? spec.name,
  };
}

export const v1 = new Hono<AppEnv>();

v1.on(["GET", "POST"], "/models/*", async (c) => {
  const route = parseV1Path(c.req.path);
  if (c.req.method !== allowed[route.action]) {
    return errorResponse(405, `${c.req.method} is not allowed here; use ${allowed[route.action]}`, {
      Allow: allowed[route.action],
    });
  }
  const { deps, settings } = c.var.scope;

  if (route.action === "predict") {
    deps.capture?.asked(route.ref.name);
    const body = await readJson(c.req.raw, settings.maxBodyBytes, { anyContentType: true });
    const answer = await predictV1Text(deps, route.ref, body);
    c.header("x-model-version", String(answer.model.version));
    return c.body(answer.body, 200, { "content-type": "application/json" });
  }

  if (route.action === "metadata") {
    return withModel(deps, route.ref, async (model) => {
      const signature = {
        inputs: Object.fromEntries(model.signature.inputs.map((s) => [s.name, tensorInfo(s)])),
        outputs: Object.fromEntries(model.signature.outputs.map((s) => [s.name, tensorInfo(s)])),
        method_name: "tensorflow/serving/predict",
      };
      return c.json({
        model_spec: { name: model.name, signature_name: "", version: String(model.version) },
        metadata: { signature_def: { signature_def: { [model.signatureName]: signature } } },
      });
    });
  }

  const states = await modelStatus(deps, route.ref);
  return c.json({
    model_version_status: states.map(({ version, error }) =>
      error === undefined
        ? { version: String(version), state: "AVAILABLE", status: { error_code: "OK", error_message: "" } }
        : { version: String(version), state: "END", status: { error_code: "UNAVAILABLE", error_message: error } },
    ),
  });
});
