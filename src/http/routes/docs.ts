/**
 * `GET /openapi.json` (generated from the validating schemas at request time) and `GET /docs`
 * (the same document as an HTML page). Both are open (no key, no rate limit): they describe
 * the API from code alone and read nothing (not even the model list, which needs a key).
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { openApiDocument } from "../openapi/document.ts";
import { docsPage } from "../pages/docs-page.ts";
import { PAGE_HEADERS } from "../pages/headers.ts";

export const docs = new Hono<AppEnv>();

// Built per request (about 3 ms of CPU: no isolate memo); clients and caches may keep it 5 minutes.
const CACHE = { "cache-control": "public, max-age=300" };

docs.get("/openapi.json", (c) => c.json(openApiDocument(new URL(c.req.url).origin), 200, CACHE));
docs.get(
  "/docs",
  (c) => new Response(docsPage(openApiDocument(new URL(c.req.url).origin)), { headers: { ...PAGE_HEADERS, ...CACHE } }),
);
