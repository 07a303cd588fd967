/**
 * The event endpoint of declared streams: POST /v2/streams/{stream}/events (docs/streams.md),
 * behind its own keys (the secret STREAM_KEYS, `Authorization: Bearer <key>`), separate from the
 * prediction keys (API_KEYS) and the flights feed's (INGEST_KEYS). With STREAM_KEYS unset the
 * endpoint is closed (403).
 */
import { Hono } from "hono";
import { ingestStream } from "../../worker/streams.ts";
import type { AppEnv } from "../app-env.ts";
import { readJson } from "../body.ts";
import { writeKeyAuth } from "../middleware/auth.ts";
import { settingsOf } from "../settings.ts";

/** Largest events body (1000 events of up to 1 KiB). */
const MAX_EVENTS_BYTES = 1_048_576;

export const streams = new Hono<AppEnv>();

streams.use(
  writeKeyAuth({
    keys: (access) => access.streamKeys,
    closed: "stream events are closed: no STREAM_KEYS are configured",
    kind: "stream",
    realm: 'Bearer realm="stateless-serve-streams"',
  }),
);

streams.post("/:stream/events", async (c) => {
  const body = await readJson(c.req.raw, MAX_EVENTS_BYTES);
  return c.json(await ingestStream(c.env, settingsOf(c), c.req.param("stream"), body), 202);
});
