/**
 * TensorFlow Serving REST API (v1):
 *   GET  /v1/models/{name}[/versions/{v}|/labels/{l}]            model status
 *   GET  /v1/models/{name}[/versions/{v}|/labels/{l}]/metadata   signature_def
 *   POST /v1/models/{name}[/versions/{v}|/labels/{l}]:predict    row or columnar predict
 */
import { Hono } from "hono";
import { withModel } from "../../core/serving/dataplane.ts";
import { predictV1 } from "../../core/serving/protocols.ts";
import { tfServingDtypeOf } from "../../core/tensors/dtypes.ts";
import { invalidInput, notFound, ServeError } from "../../core/errors.ts";
import type { ModelRef } from "../../core/models/registry.ts";
import type { TensorSpec } from "../../core/tensors/spec.ts";
import { readJson } from "../body.ts";
import type { AppEnv } from "../app-env.ts";
import { errorResponse } from "../errors.ts";

/** TF Serving's own URL grammar. */
const PATH = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?(\/metadata|:[A-Za-z]+)?$/;

interface V1Route {
  ref: ModelRef;
  action: "status" | "metadata" | "predict";
}

function decode(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidInput(`${what}: '${segment}' is not a valid URL path segment`);
  }
}

export function parseV1Path(path: string): V1Route {
  const match = PATH.exec(path);
  if (!match) throw notFound(`no route for ${path}; expected /v1/models/<name>[/versions/<v>|/labels/<label>][/metadata|:predict]`);
  const [, name = "", version, label, suffix] = match;
  const ref: ModelRef = { name: decode(name, "model name") };
  if (version !== undefined) {
    if (!/^\d+$/.test(version)) throw invalidInput(`version: expected a non-negative integer, got '${decode(version, "version")}'`);
    ref.version = Number(version);
  }
  if (label !== undefined) ref.label = decode(label, "label");
  if (suffix === undefined) return { ref, action: "status" };
  if (suffix === "/metadata") return { ref, action: "metadata" };
  if (suffix === ":predict") return { ref, action: "predict" };
  throw invalidInput(`method '${suffix.slice(1)}': this server implements ':predict' only (no classify or regress signatures)`);
}

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
    return errorResponse(405, `${c.req.method} is not allowed here; use ${allowed[route.action]}`, { Allow: allowed[route.action] });
  }
  const { deps, settings } = c.var.scope;

  if (route.action === "predict") {
    const body = await readJson(c.req.raw, settings.maxBodyBytes);
    const answer = await predictV1(deps, route.ref, body);
    c.header("x-model-version", String(answer.model.version));
    return c.json(answer.body);
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

  // Status: every version of the model, or the one named by version or label.
  const resolved = await deps.registry.resolve(route.ref);
  const versions = route.ref.version !== undefined || route.ref.label !== undefined ? [resolved.version] : resolved.versions;
  const model_version_status = [];
  for (const version of [...versions].sort((a, b) => b - a)) {
    try {
      deps.registry.release(await deps.registry.load(resolved.name, version));
      model_version_status.push({ version: String(version), state: "AVAILABLE", status: { error_code: "OK", error_message: "" } });
    } catch (err) {
      if (!(err instanceof ServeError)) throw err;
      model_version_status.push({ version: String(version), state: "END", status: { error_code: "UNAVAILABLE", error_message: err.message } });
    }
  }
  return c.json({ model_version_status });
});
