/**
 * `GET /openapi.json` (generated from the validating schemas at request time) and `GET /docs`
 * (the same document as an HTML page). Both are open (no key, no rate limit): they describe
 * the API from code alone and read nothing (not even the model list, which needs a key).
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { openApiDocument } from "../openapi/document.ts";
import { COPY_SCRIPT, docsPage } from "../pages/docs-page.ts";
import { pageHeaders } from "../pages/headers.ts";

export const docs = new Hono<AppEnv>();

// Built per request (about 3 ms of CPU: no isolate memo). Both echo the request's origin (the
// server URL and the curl examples), which comes from the Host header a client chose: so the
// browser that asked may keep them 5 minutes, but no shared cache may store them (a forged Host
// must not reach anyone else).
const CACHE = { "cache-control": "private, max-age=300" };

docs.get("/openapi.json", (c) => c.json(openApiDocument(new URL(c.req.url).origin), 200, CACHE));
docs.get(
  "/docs",
  async (c) =>
    new Response(docsPage(openApiDocument(new URL(c.req.url).origin)), {
      headers: { ...(await pageHeaders(COPY_SCRIPT)), ...CACHE },
    }),
);
