/**
 * Declared streams under a running Worker (`npm start`, or wrangler dev on another port): events
 * per second accepted by ONE entity object and by the endpoint across many objects, and the lag
 * from an event's acceptance (its 202) to its visibility in a prediction (p50, p99). Needs the
 * quakes stream and model published into the Worker's local state (docs/streams.md, walk-through)
 * and STREAM_KEYS. Bounded: a fixed number of sequential requests, loopback only.
 *   npm run bench:streams -- --url http://localhost:8770 --key dev-stream-key-change-me-0123456789
 */
import { parseArgs } from "node:util";
import { exitOnHelp } from "../scripts/help.ts";

exitOnHelp({
  script: "bench:streams",
  args: "[-- --url URL --key KEY --batches N --trials N]",
  summary: `Measures a declared stream on a running Worker: events/s accepted by one entity object
(every event to one key), by the endpoint (events spread over 50 keys, 2 requests in flight), and
the lag from an event's 202 to a prediction showing it (the quakes model, context: true).`,
  options: [
    ["--url URL", "the Worker (default http://localhost:8787)"],
    ["--key KEY", "a STREAM_KEYS key (default STREAM_KEY)"],
    ["--batches N", "requests of 1,000 events per throughput run (default 10)"],
    ["--trials N", "lag measurements (default 20)"],
  ],
  examples: ["npm run bench:streams -- --url http://localhost:8770"],
});

const { values: o } = parseArgs({
  options: {
    url: { type: "string", default: "http://localhost:8787" },
    key: { type: "string", default: process.env.STREAM_KEY ?? "dev-stream-key-change-me-0123456789" },
    batches: { type: "string", default: "10" },
    trials: { type: "string", default: "20" },
  },
});
const HOUR = 3_600_000;
const run = `${Date.now()}`;
// Event times far from the walk-through's 2018 week, one hour apart per run, so runs never collide.
const base = Date.UTC(2030, 0, 1) + (Date.now() % 10_000) * HOUR;

async function post(events: unknown[]): Promise<{ applied: number; late: number }> {
  const res = await fetch(`${o.url}/v2/streams/quakes/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${o.key}`, "content-type": "application/json" },
    body: JSON.stringify({ events }),
  });
  if (res.status !== 202) throw new Error(`events: ${res.status} ${await res.text()}`);
  return (await res.json()) as { applied: number; late: number };
}

const quake = (id: string, net: string, at: number) => ({
  id,
  time: new Date(at).toISOString(),
  net,
  mag: 1.5,
  strong: false,
  depth: 5,
});

async function throughput(label: string, nets: (i: number) => string, inFlight: number): Promise<void> {
  const batches = Number(o.batches);
  let next = 0;
  let applied = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches) {
        const b = next++;
        const events = Array.from({ length: 1000 }, (_, i) =>
          quake(`${run}-${label}-${b}-${i}`, nets(b * 1000 + i), base + (b * 1000 + i) * 100),
        );
        const answer = await post(events);
        applied += answer.applied;
      }
    }),
  );
  const s = (performance.now() - started) / 1000;
  process.stdout.write(
    `${label}: ${batches * 1000} events in ${s.toFixed(2)} s = ${Math.round((batches * 1000) / s)} events/s (${applied} updates applied)\n`,
  );
}

/** `sameKey`: every trial's event to one entity (its writes are then at most one a second). */
async function lag(sameKey: boolean): Promise<void> {
  const trials = Number(o.trials);
  const lags: number[] = [];
  for (let k = 0; k < trials; k++) {
    const net = sameKey ? `lagone${run}` : `lag${run}${k}`;
    const at = base + (sameKey ? 600 : 500) * HOUR + k * 60_000;
    await post([quake(`${run}-lag-${k}`, net, at)]);
    const accepted = performance.now();
    const asOf = new Date(Math.ceil((at + 1) / 600_000) * 600_000).toISOString(); // the event's bucket closed
    for (;;) {
      const res = await fetch(`${o.url}/v1/models/quakes:predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ as_of: asOf, context: true, instances: [{ net }] }),
      });
      const body = (await res.json()) as {
        predictions?: Array<{ context: { lookups: { recent: { values: { quakes_24h: number } } } } }>;
      };
      if (body.predictions?.[0]?.context.lookups.recent.values.quakes_24h === (sameKey ? k + 1 : 1)) break;
      if (performance.now() - accepted > 120_000) throw new Error(`event ${k} not visible after 120 s`);
      await new Promise((r) => setTimeout(r, 25));
    }
    lags.push(performance.now() - accepted);
  }
  lags.sort((a, b) => a - b);
  const q = (p: number) => lags[Math.min(lags.length - 1, Math.ceil(p * lags.length) - 1)]!;
  process.stdout.write(
    `lag from 202 to a prediction showing the event, ${sameKey ? "one entity" : "a new entity each"} (${trials} trials, polled every 25 ms): p50 ${q(0.5).toFixed(0)} ms, p99 ${q(0.99).toFixed(0)} ms, max ${lags.at(-1)!.toFixed(0)} ms\n`,
  );
}

await throughput("one object", () => `hot${run}`, 1);
await throughput("endpoint, 50 objects, 2 in flight", (i) => `n${run}x${i % 50}`, 2);
await lag(false);
await lag(true);
