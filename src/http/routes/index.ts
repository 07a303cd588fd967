/**
 * `GET /`: the playground page for browsers (Accept prefers text/html), the JSON index of models
 * and endpoints for API clients; and `GET /_internal/memory` (DIAGNOSTICS=on only) for soak tests.
 */
import { Hono } from "hono";
import { listModels } from "../../core/serving/status.ts";
import { SERVER_NAME, SERVER_VERSION } from "../../core/version.ts";
import type { AppEnv } from "../app-env.ts";
import { notFound } from "../errors.ts";
import { playgroundResponse, prefersHtml } from "./playground.ts";

export const index = new Hono<AppEnv>();

index.get("/", async (c) => {
  if (prefersHtml(c.req.header("accept"))) return playgroundResponse();
  c.header("vary", "Accept");
  const models = await listModels(c.var.scope.deps);
  return c.json({
    name: SERVER_NAME,
    version: SERVER_VERSION,
    models: models.map(({ canaryPercent, ...m }) => (canaryPercent ? { ...m, canary_percent: canaryPercent } : m)),
    endpoints: {
      tensorflow_serving: "/v1/models/{name}[/versions/{v}|/labels/{label}][/metadata|:predict]",
      open_inference_protocol:
        "/v2, /v2/health/{live,ready}, /v2/models/{name}[/versions/{v}][/ready|/infer], /v2/repository/index",
      docs: "/docs, /openapi.json",
    },
  });
});

index.get("/_internal/memory", async (c) => {
  if (!c.var.scope.settings.diagnostics) return notFound(c);
  return c.json(await c.var.scope.memory());
});
