/**
 * The ingestion endpoint of the live context: POST /ingest/flights/events, behind its own keys
 * (the secret INGEST_KEYS, comma-separated, `Authorization: Bearer <key>`), separate from the
 * prediction keys (API_KEYS): a feed that may write context cannot predict, and a predicting
 * client cannot write context. With INGEST_KEYS unset the endpoint is closed (403).
 */
import { Hono } from "hono";
import { FEEDS, feedOf } from "../../worker/feeds.ts";
import type { AppEnv } from "../app-env.ts";
import { readJson } from "../body.ts";
import { errorResponse } from "../errors.ts";
import { writeKeyAuth } from "../middleware/auth.ts";
import { settingsOf } from "../settings.ts";

/** Largest events body (1000 events of a few hundred bytes). */
const MAX_INGEST_BYTES = 1_048_576;

export const ingest = new Hono<AppEnv>();

ingest.use(
  writeKeyAuth({
    keys: (access) => access.ingestKeys,
    closed: "ingestion is closed: no INGEST_KEYS are configured",
    kind: "ingest",
    realm: 'Bearer realm="stateless-serve-ingest"',
  }),
);

ingest.post("/:feed/events", async (c) => {
  const name = c.req.param("feed");
  const feed = feedOf(name, c.env, settingsOf(c));
  if (!feed)
    return errorResponse(
      404,
      `no event feed '${name}': feeds are ${Object.keys(FEEDS)
        .map((f) => `'${f}'`)
        .join(", ")} (declared streams: POST /v2/streams/{stream}/events)`,
    );
  const body = await readJson(c.req.raw, MAX_INGEST_BYTES);
  return c.json(await feed.ingest(body), 202);
});
