/**
 * `npm run streams -- <command>` (docs/streams.md): publish a stream declaration, replay a file of
 * events into a running Worker in event time, and read an entity's windows as the Worker computes them.
 */
import { parseArgs } from "node:util";
import { exitOnHelp } from "./help.ts";

exitOnHelp({
  script: "streams",
  args: "-- publish <file.json> | replay <events.jsonl|.json> --stream S | get <key> [--as-of T]",
  summary: `Declared streams (docs/streams.md).
  publish <file.json>   validate a stream declaration and write it as stream:<name> to the REGISTRY
                        namespace (local state; --remote --env E: the account, through wrangler)
  replay <file>         send a file of events (.jsonl, or a .json array) to a running Worker's
                        POST /v2/streams/<S>/events in event-time order, --speed times faster than
                        event time (default: as fast as accepted); prints progress; resumable: the
                        last id sent is kept in <file>.<S>.sent, and a rerun starts after it
  get <key>             the entity value's windows at --as-of (default now), as the Worker computes them
  With --remote, replay reads the declaration from the account and posts to the deployed Worker
  (--url, required; --key or STREAM_KEY), and get reads the declaration and the value from the
  account's namespaces (wrangler kv key get --remote, --env E; after wrangler login)`,
  options: [
    ["--stream S", "replay: the stream (its declaration is read from local state)"],
    ["--speed X", "replay: event time runs X times faster than wall time"],
    ["--batch N", "replay: events per request, at most 1000 (default 500)"],
    ["--url URL", "replay: the Worker (default http://localhost:8787; required with --remote)"],
    ["--key KEY", "replay: a stream key (default: STREAM_KEY, else STREAM_KEYS' first key in .dev.vars)"],
    ["--restart", "replay: ignore the saved position and send everything again (ids make it harmless)"],
    ["--as-of T", "get: an ISO 8601 instant (default now)"],
    ["--persist-to DIR", "local state in DIR (default .wrangler/state, what npm start serves)"],
    [
      "--remote",
      "the Cloudflare account (with --env staging|production): publish writes, replay and get read the declaration there, get the value too",
    ],
    ["-e, --env NAME", "wrangler environment for --remote"],
  ],
  examples: [
    "npm run model:quakes && npm run streams -- publish dist/quakes/stream.json",
    "npm run streams -- replay dist/quakes/events.jsonl --stream quakes --speed 3600",
    "npm run streams -- get s:quakes:net:ak --as-of 2018-02-05T06:00:00Z",
    "npm run streams -- replay events.jsonl --stream quakes --remote --env production --url https://serve.example.workers.dev --key $STREAM_KEY",
    "npm run streams -- get s:quakes:net:ak --remote --env production",
  ],
});

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stream: { type: "string" },
    speed: { type: "string" },
    batch: { type: "string", default: "500" },
    url: { type: "string" },
    key: { type: "string" },
    restart: { type: "boolean" },
    "as-of": { type: "string" },
    "persist-to": { type: "string" },
    remote: { type: "boolean" },
    env: { type: "string", short: "e" },
  },
});
const [command, arg] = positionals;
const fail = (message: string): never => {
  process.stderr.write(`streams: ${message}\n`);
  process.exit(2);
};
if (opts.remote && opts["persist-to"] !== undefined) fail("--remote cannot be combined with --persist-to");
if (!arg) fail("expected publish <file>, replay <file> --stream S, or get <key> (see --help)");
const { publish, replay, get } = await import("./streams/commands.ts");
try {
  if (command === "publish") await publish(arg!, opts);
  else if (command === "replay") await replay(arg!, opts);
  else if (command === "get") await get(arg!, opts);
  else fail(`unknown command '${command}' (publish, replay, get)`);
} catch (err) {
  fail((err as Error).message);
}
