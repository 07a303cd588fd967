/**
 * Replays one day of the 2001 flights as live events into a running Worker's ingestion endpoint
 * (POST /ingest/flights/events), in event-time order, sped up: the live context in KV then
 * unfolds as the day does, and predictions asked during the replay change with it.
 *   npm run replay -- --day 2001-06-15 --speed 600
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadAirports, loadFlights } from "../model/flights/data.ts";
import { parseEvents } from "../src/pipelines/flights/events.ts";
import { flightStreamEvent } from "../src/pipelines/flights/index.ts";
import { dayEvents, type ReplayEvent } from "./replay-events.ts";

const USAGE = `
usage: npm run replay -- --day YYYY-MM-DD [--speed N] [--url URL] [--key KEY] [--batch N] [--declared]

Sends the day's flight events to a running \`npm start\` (or any deployment) in event-time order:
first every flight that touches the day (departing it, or arriving in it) as "scheduled" (the
schedule is known in advance), then each one's "arrived" event (with its arrival delay) at the
time the offline builder counts it known: scheduled departure + estimated block time + safety
margin + delay. The data has no departure times and no cancellations, so it sends neither.

  --day D       the local date to replay (2001-01-01 .. 2001-06-30)
  --speed N     event time runs N times faster than wall time (default 600: a day in 2.4 min)
  --url URL     the Worker (default http://localhost:8787)
  --key KEY     an ingest key (default: INGEST_KEY, else INGEST_KEYS' first key in .dev.vars)
  --batch N     events per request, at most 1000 (default 500)
  --declared    send the same events to the declared flights stream instead
                (POST /v2/streams/flights/events, as src/pipelines/flights/stream.ts makes them;
                publish model/flights/stream.json first; the key from STREAM_KEY or STREAM_KEYS)
  -h, --help    this text

examples:
  npm start                                              (in another terminal; INGEST_KEYS in .dev.vars)
  npm run replay -- --day 2001-06-15 --speed 600
  npm run streams -- publish model/flights/stream.json && npm run replay -- --day 2001-06-15 --declared
`;

const { values: opts } = parseArgs({
  options: {
    day: { type: "string" },
    speed: { type: "string", default: "600" },
    url: { type: "string", default: "http://localhost:8787" },
    key: { type: "string" },
    batch: { type: "string", default: "500" },
    declared: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});
if (opts.help || !opts.day || !/^2001-0[1-6]-\d{2}$/.test(opts.day)) {
  process.stdout.write(USAGE.trim() + "\n");
  process.exit(opts.help ? 0 : 2);
}
const day = opts.day;
const speed = Number(opts.speed);
const batchSize = Math.min(1000, Math.max(1, Number(opts.batch)));
if (!(speed > 0)) throw new Error(`--speed: expected a number > 0, got ${opts.speed}`);

const [KEY_VAR, KEYS_VAR] = opts.declared ? ["STREAM_KEY", "STREAM_KEYS"] : ["INGEST_KEY", "INGEST_KEYS"];
function ingestKey(): string {
  if (opts.key) return opts.key;
  if (process.env[KEY_VAR]) return process.env[KEY_VAR];
  try {
    const line = readFileSync(".dev.vars", "utf8")
      .split("\n")
      .find((l) => l.startsWith(`${KEYS_VAR}=`));
    const key = line?.slice(`${KEYS_VAR}=`.length).split(",")[0]?.trim();
    if (key) return key;
  } catch {}
  throw new Error(`no key: pass --key, set ${KEY_VAR}, or put ${KEYS_VAR}=… in .dev.vars (see .dev.vars.example)`);
}
const key = ingestKey();
const path = opts.declared ? "/v2/streams/flights/events" : "/ingest/flights/events";

const flights = await loadFlights(1);
const airports = loadAirports([...flights.origin, ...flights.destination]);
const events = dayEvents(flights, airports, day);
process.stderr.write(`${events.length / 2} flights touch ${day}: ${events.length} events -> ${opts.url}${path}\n`);

/** The request body: the flights feed's events, or (--declared) the declared stream's. */
function body(batch: ReplayEvent[]): unknown {
  const events = batch.map((e) => e.body);
  if (!opts.declared) return { events };
  return {
    events: parseEvents({ events }).map((e) =>
      flightStreamEvent(e, airports.get(e.flight.origin)!, airports.get(e.flight.destination)!),
    ),
  };
}

async function post(batch: ReplayEvent[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${opts.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body(batch)),
      });
      const text = await res.text();
      if (res.ok) return;
      if (res.status < 500 && res.status !== 429) throw new Error(`ingest answered ${res.status}: ${text}`);
      process.stderr.write(`  ${res.status}, retrying: ${text.slice(0, 200)}\n`);
    } catch (err) {
      if (String(err).includes("ingest answered")) throw err;
      process.stderr.write(`  ${String(err)}, retrying\n`);
    }
    // Events are idempotent by id, so a retry never double-counts.
    await new Promise((r) => setTimeout(r, Math.min(10_000, 250 * 2 ** attempt)));
  }
}

const t0 = Date.now();
// The replay clock starts at the first outcome (the schedule goes out first, as fast as it can).
const first = events.find((e) => e.body.type !== "scheduled")?.at ?? events[0]?.at ?? 0;
let sent = 0;
while (sent < events.length) {
  const due = events[sent]!.at;
  const wait = t0 + (Math.max(due, first) - first) / speed - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const now = first + (Date.now() - t0) * speed;
  let end = sent;
  while (end < events.length && end - sent < batchSize && events[end]!.at <= Math.max(now, due)) end++;
  await post(events.slice(sent, end));
  sent = end;
  process.stderr.write(
    `  ${new Date(Math.max(now, due)).toISOString().slice(0, 16)}Z  ${sent}/${events.length} events\n`,
  );
}
process.stderr.write(`replayed ${day} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
