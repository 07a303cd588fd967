/**
 * The HTTP app: per-request dependencies from `env`, the v1 and v2 route groups, and one
 * error mapping. Built once at module scope: it holds routes (constants), not state.
 */
import { Hono, type Context } from "hono";
import { tensorMemory } from "../runtime/tfjs/backend.ts";
import { makeDeps } from "../worker/scope.ts";
import { SERVER_NAME, SERVER_VERSION } from "../core/version.ts";
import type { AppEnv } from "./app-env.ts";
import { auth } from "./middleware/auth.ts";
import { corsFromEnv } from "./middleware/cors.ts";
import { docs } from "./routes/docs.ts";
import { notFound, onError } from "./errors.ts";
import { observe } from "./middleware/observe.ts";
import { playgroundResponse, prefersHtml } from "./routes/playground.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { v1 } from "./routes/v1.ts";
import { v2 } from "./routes/v2.ts";

/** The routes themselves: what a service-binding caller reaches (Predictor.fetch, no access hop). */
export const routes = new Hono<AppEnv>();

routes.use(observe(), async (c, next) => {
  c.set("scope", await makeDeps(c.env, { requestId: c.var.requestId, waitUntil: waitUntilOf(c) }));
  await next();
});

// Browsers (Accept prefers text/html) get the playground page; API clients the JSON index.
routes.get("/", async (c) => {
  if (prefersHtml(c.req.header("accept"))) return playgroundResponse();
  c.header("vary", "Accept");
  const models = await c.var.scope.deps.registry.index();
  return c.json({
    name: SERVER_NAME,
    version: SERVER_VERSION,
    models: models.map(({ canaryPercent, ...m }) => (canaryPercent ? { ...m, canary_percent: canaryPercent } : m)),
    endpoints: {
      tensorflow_serving: "/v1/models/{name}[/versions/{v}|/labels/{label}][/metadata|:predict]",
      open_inference_protocol: "/v2, /v2/health/{live,ready}, /v2/models/{name}[/versions/{v}][/ready|/infer], /v2/repository/index",
      docs: "/docs, /openapi.json",
    },
  });
});

routes.get("/_internal/memory", async (c) => {
  if (!c.var.scope.settings.diagnostics) return notFound(c);
  await c.var.scope.backend;
  return c.json(tensorMemory());
});

routes.route("/", docs);
routes.route("/v1", v1);
routes.route("/v2", v2);
routes.notFound(notFound);
routes.onError(onError);

/** The public edge: the routes behind the access middleware. */
export const app = new Hono<AppEnv>();
// CORS first (preflights carry no key), then who may call, then how often (see SECURITY.md).
// The request id and the request log line wrap everything, preflights and refusals included.
app.use(observe(), corsFromEnv(), auth(), rateLimit());
app.route("/", routes);
app.notFound(notFound);
app.onError(onError);

/** The request's `ctx.waitUntil`, when it has an ExecutionContext (`app.request` in tests has none). */
function waitUntilOf(c: Context<AppEnv>): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return undefined;
  }
}
