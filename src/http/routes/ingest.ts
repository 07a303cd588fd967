/**
 * The ingestion endpoint of the live context: POST /ingest/flights/events, behind its own keys
 * (the secret INGEST_KEYS, comma-separated, `Authorization: Bearer <key>`), separate from the
 * prediction keys (API_KEYS): a feed that may write context cannot predict, and a predicting
 * client cannot write context. With INGEST_KEYS unset the endpoint is closed (403).
 */
import { Hono } from "hono";
import { ingestFlightEvents } from "../../worker/ingest.ts";
import type { AppEnv } from "../app-env.ts";
import { readJson } from "../body.ts";
import { errorResponse } from "../errors.ts";
import { bearerToken, matchKey } from "../middleware/auth.ts";

/** Largest events body (1000 events of a few hundred bytes). */
const MAX_INGEST_BYTES = 1_048_576;
const REALM = 'Bearer realm="stateless-serve-ingest"';

export const ingest = new Hono<AppEnv>();

ingest.use(async function ingestKeyAuth(c, next) {
  const keys = ((c.env as { INGEST_KEYS?: string }).INGEST_KEYS ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  if (keys.length === 0) return errorResponse(403, "ingestion is closed: no INGEST_KEYS are configured");
  const token = bearerToken(c.req.header("authorization"));
  if (token === undefined)
    return errorResponse(401, "missing ingest key: send 'Authorization: Bearer <key>'", { "WWW-Authenticate": REALM });
  const principal = await matchKey(token, keys);
  if (principal === undefined)
    return errorResponse(401, "invalid ingest key", { "WWW-Authenticate": `${REALM}, error="invalid_token"` });
  c.set("principal", `ingest:${principal}`);
  await next();
});

ingest.post("/flights/events", async (c) => {
  const body = await readJson(c.req.raw, MAX_INGEST_BYTES);
  return c.json(await ingestFlightEvents(c.env, body), 202);
});
