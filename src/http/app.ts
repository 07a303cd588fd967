/**
 * The HTTP app: per-request dependencies from `env`, the route groups, and one error mapping.
 * Built once at module scope: it holds routes (constants), not state.
 */
import { type Context, Hono } from "hono";
import { requestScope } from "../worker/scope.ts";
import type { AppEnv } from "./app-env.ts";
import { notFound, onError } from "./errors.ts";
import { auth } from "./middleware/auth.ts";
import { corsFromEnv } from "./middleware/cors.ts";
import { observe } from "./middleware/observe.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { docs } from "./routes/docs.ts";
import { index } from "./routes/index.ts";
import { ingest } from "./routes/ingest.ts";
import { monitor } from "./routes/monitor.ts";
import { monitoring } from "./routes/monitoring.ts";
import { outcomes } from "./routes/outcomes.ts";
import { streams } from "./routes/streams.ts";
import { v1 } from "./routes/v1.ts";
import { serverMetadata, v2 } from "./routes/v2.ts";
import { settingsOf } from "./settings.ts";

/** The routes themselves: what a service-binding caller reaches (Predictor.fetch, no access hop). */
export const routes = new Hono<AppEnv>();

routes.use(observe(), async (c, next) => {
  const info = {
    requestId: c.var.requestId,
    waitUntil: waitUntilOf(c),
    principal: c.var.principal,
    protocol: c.req.path.startsWith("/v1/") ? "v1" : "v2",
  };
  c.set("scope", requestScope(c.env, settingsOf(c), info));
  await next();
});

routes.route("/", index);
routes.route("/", docs);
routes.route("/", monitor);
routes.route("/v1", v1);
routes.route("/v2", monitoring); // before v2: /v2/models/stats is not the model "stats"
routes.route("/v2", v2);
routes.get("/v2/", serverMetadata);
routes.notFound(notFound);
routes.onError(onError);

/** The public edge: the routes behind the access middleware. */
export const app = new Hono<AppEnv>();
// The request id and the request log line wrap everything, preflights and refusals included.
app.use(observe());
// The live context's ingestion, behind its own keys (INGEST_KEYS), before the prediction keys.
app.route("/ingest", ingest);
// Declared streams' events, behind their own keys (STREAM_KEYS).
app.route("/v2/streams", streams);
// Outcomes (POST /v2/models/{name}/outcomes), behind their own keys (OUTCOME_KEYS), likewise.
app.route("/v2/models", outcomes);
// CORS first (preflights carry no key), then who may call, then how often (see docs/security.md).
app.use(corsFromEnv(), auth(), rateLimit());
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
