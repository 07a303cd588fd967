/**
 * The URL grammar of the model routes, written once: the v1 handler parses its path here, and the
 * request log names every route (`v1.predict`, `v2.infer`, …) from the same patterns.
 *   v1: /v1/models/{name}[/versions/{v}|/labels/{l}][/metadata|:{verb}]   (TF Serving)
 *   v2: /v2/models/{name}[/versions/{v}][/ready|/infer]                   (Open Inference Protocol)
 */
import { invalidInput, notFound } from "../../core/errors.ts";
import { type ModelRef, parseModelRef } from "../../core/models/ref.ts";

const V1 = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+)|\/labels\/([^/:]+))?(\/metadata|:[A-Za-z]+)?$/;
const V2 = /^\/v2\/models\/[^/]+(?:\/versions\/[^/]+)?(\/ready|\/infer)?$/;
const V2_MONITORING = /^\/v2\/models(?:\/[^/]+(?:\/versions\/[^/]+)?)?\/(stats|quality|outcomes)$/;
const V2_MODEL_CONTROL = /^\/v2\/repository\/models\/[^/]+\/(?:load|unload)$/;

export interface V1Route {
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
  const match = V1.exec(path);
  if (!match)
    throw notFound(
      `no route for ${path}; expected /v1/models/<name>[/versions/<v>|/labels/<label>][/metadata|:predict]`,
    );
  const [, name = "", version, label, suffix] = match;
  const ref = parseModelRef({
    name: decode(name, "model name"),
    version: version === undefined ? undefined : /^\d+$/.test(version) ? version : decode(version, "version"),
    label: label === undefined ? undefined : decode(label, "label"),
  });
  if (suffix === undefined) return { ref, action: "status" };
  if (suffix === "/metadata") return { ref, action: "metadata" };
  if (suffix === ":predict") return { ref, action: "predict" };
  throw invalidInput(
    `method '${suffix.slice(1)}': this server implements ':predict' only (no classify or regress signatures)`,
  );
}

const FIXED: Record<string, string> = {
  "/": "index",
  "/v2": "v2.server",
  "/v2/health/live": "v2.live",
  "/v2/health/ready": "v2.ready",
  "/v2/repository/index": "v2.repository",
  "/_internal/memory": "internal.memory",
  "/docs": "docs",
  "/openapi.json": "openapi",
};

/** A low-cardinality route name for logs and Analytics Engine. */
export function routeOf(method: string, path: string): string {
  if (method === "OPTIONS") return "preflight";
  const fixed = FIXED[path.length > 1 ? path.replace(/\/$/, "") : path];
  if (fixed) return fixed;
  const v1 = V1.exec(path);
  if (v1) {
    const suffix = v1[4];
    return suffix === undefined
      ? "v1.status"
      : suffix === "/metadata"
        ? "v1.metadata"
        : suffix === ":predict"
          ? "v1.predict"
          : "v1.other";
  }
  const monitoring = V2_MONITORING.exec(path);
  if (monitoring) return `v2.${monitoring[1]}`;
  const v2 = V2.exec(path);
  if (v2) return v2[1] === "/infer" ? "v2.infer" : v2[1] === "/ready" ? "v2.model_ready" : "v2.model";
  if (V2_MODEL_CONTROL.test(path)) return "v2.model_control";
  return "other";
}
