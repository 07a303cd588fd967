/**
 * `GET /monitor`: the monitor page (pages/monitor-page.ts). Open, like /docs: it is static and
 * reads its figures from GET /v2/models/{name}/quality, which is behind the API key.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { pageHeaders } from "../pages/headers.ts";
import { MONITOR_PAGE } from "../pages/monitor-page.ts";
import { MONITOR_SCRIPT } from "../pages/monitor-script.ts";

export const monitor = new Hono<AppEnv>();

monitor.get(
  "/monitor",
  async () =>
    new Response(MONITOR_PAGE, {
      headers: { ...(await pageHeaders(MONITOR_SCRIPT)), "cache-control": "public, max-age=300" },
    }),
);
