/**
 * The ingestion endpoint of the live context: POST /ingest/flights/events, behind its own keys
 * (the secret INGEST_KEYS, comma-separated, `Authorization: Bearer <key>`), separate from the
 * prediction keys (API_KEYS): a feed that may write context cannot predict, and a predicting
 * client cannot write context. With INGEST_KEYS unset the endpoint is closed (403).
 */
import { Hono } from "hono";
import { ingestFlights } from "../../worker/ingest.ts";
import type { AppEnv } from "../app-env.ts";
import { readJson } from "../body.ts";
import { errorResponse } from "../errors.ts";
import { bearerPrincipal } from "../middleware/auth.ts";
import { settingsOf } from "../settings.ts";

/** Largest events body (1000 events of a few hundred bytes). */
const MAX_INGEST_BYTES = 1_048_576;
const REALM = 'Bearer realm="stateless-serve-ingest"';

export const ingest = new Hono<AppEnv>();

ingest.use(async function ingestKeyAuth(c, next) {
  const keys = settingsOf(c).access.ingestKeys;
  if (keys.length === 0) return errorResponse(403, "ingestion is closed: no INGEST_KEYS are configured");
  const principal = await bearerPrincipal(c, keys, "ingest key", REALM);
  if (typeof principal !== "string") return principal;
  c.set("principal", `ingest:${principal}`);
  await next();
});

ingest.post("/flights/events", async (c) => {
  const body = await readJson(c.req.raw, MAX_INGEST_BYTES);
  return c.json(await ingestFlights(c.env, settingsOf(c), body), 202);
});
