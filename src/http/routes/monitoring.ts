/**
 * What the Monitor objects know, read back (docs/monitoring.md):
 *   GET /v2/models/{name}/quality[?at=<instant>]    live quality per version, arm and window (1h, 24h, 7d)
 *   GET /v2/models/stats                            Triton's statistics extension: every model
 *   GET /v2/models/{name}/stats                     … every version of a model
 *   GET /v2/models/{name}/versions/{v}/stats        … one version
 * Mounted before the v2 routes, so `stats` is not read as a model name (as in Triton).
 */
import { type Context, Hono } from "hono";
import { parseInstant } from "../../core/context/time.ts";
import { describeValue, invalidInput } from "../../core/errors.ts";
import { parseModelRef } from "../../core/models/ref.ts";
import type { ModelStat } from "../../core/monitoring/stats.ts";
import { readQuality, readStats } from "../../worker/monitor.ts";
import type { AppEnv } from "../app-env.ts";

export const monitoring = new Hono<AppEnv>();

monitoring.get("/models/:name/quality", async (c) => {
  const { name } = parseModelRef({ name: c.req.param("name") });
  const rawAt = c.req.query("at");
  const at = rawAt === undefined ? Date.now() : parseInstant(rawAt);
  if (at === undefined)
    throw invalidInput(`at: expected an ISO 8601 instant ("2001-06-15T18:00:00Z"), got ${describeValue(rawAt)}`);
  await c.var.scope.deps.registry.resolve({ name }); // 404 for a model the repository does not hold
  return c.json(await readQuality(c.env, name, at));
});

const stats = (c: Context<AppEnv>, rows: ModelStat[]) => c.json({ model_stats: rows });

monitoring.get("/models/stats", async (c) => {
  const rows: ModelStat[] = [];
  // A model whose pointer record is broken has no versions in the index: it has no rows here.
  for (const entry of await c.var.scope.deps.registry.index())
    if (entry.versions.length > 0) rows.push(...(await readStats(c.env, entry.name, entry.versions)));
  return stats(c, rows);
});

monitoring.get("/models/:name/stats", async (c) => {
  const { name, versions } = await c.var.scope.deps.registry.resolve(parseModelRef({ name: c.req.param("name") }));
  return stats(c, await readStats(c.env, name, versions));
});

monitoring.get("/models/:name/versions/:version/stats", async (c) => {
  const ref = parseModelRef({ name: c.req.param("name"), version: c.req.param("version") });
  const { name, version } = await c.var.scope.deps.registry.resolve(ref); // 404 for a version it does not hold
  return stats(c, await readStats(c.env, name, [version]));
});
