/** The three commands of `npm run streams` (scripts/streams.ts has the help). */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseInstant } from "../../src/core/context/time.ts";
import type { EntityValue } from "../../src/core/streams/buckets.ts";
import { durationMs, StreamSchema, windowFieldName } from "../../src/core/streams/spec.ts";
import { readWindow } from "../../src/core/streams/window.ts";
import { localStream, withLocal } from "./local.ts";
import { remoteGet, remoteStream } from "./remote.ts";

type Opts = Record<string, string | boolean | undefined>;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

export async function publish(file: string, opts: Opts): Promise<void> {
  const parsed = StreamSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success)
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const key = `stream:${parsed.data.name}`;
  if (opts.remote) {
    const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
    const args = [wrangler, "kv", "key", "put", key, "--path", file, "--binding", "REGISTRY", "--remote"];
    if (str(opts.env)) args.push("--env", str(opts.env)!);
    const run = spawnSync(process.execPath, args, { stdio: "inherit" });
    if (run.status !== 0) throw new Error(`wrangler kv key put ${key} failed`);
  } else {
    await withLocal(str(opts["persist-to"]), (kv) => kv.REGISTRY.put(key, JSON.stringify(parsed.data)));
  }
  const s = parsed.data;
  process.stdout.write(
    `published ${key}: ${s.entities.length} entities, ${s.aggregations.length} aggregations, lateness ${s.lateness}\n`,
  );
}

/** Events of a .jsonl file (one per line) or a .json array. */
function readEvents(file: string): Array<Record<string, unknown>> {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".json")) return JSON.parse(text) as Array<Record<string, unknown>>;
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function streamKey(opts: Opts): string {
  const given = str(opts.key) ?? process.env.STREAM_KEY;
  if (given) return given;
  const line = existsSync(".dev.vars")
    ? readFileSync(".dev.vars", "utf8")
        .split("\n")
        .find((l) => l.startsWith("STREAM_KEYS="))
    : undefined;
  const key = line?.slice("STREAM_KEYS=".length).split(",")[0]?.trim();
  if (!key) throw new Error("no stream key: pass --key, set STREAM_KEY, or put STREAM_KEYS=… in .dev.vars");
  return key;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function replay(file: string, opts: Opts): Promise<void> {
  const name = str(opts.stream);
  if (!name) throw new Error("replay needs --stream S");
  // --remote: the declaration from the account, the events to the deployed Worker (--url, required).
  if (opts.remote && !str(opts.url))
    throw new Error("replay --remote needs --url https://<your worker> (and --key, or STREAM_KEY)");
  const stream = opts.remote
    ? remoteStream(name, str(opts.env))
    : await withLocal(str(opts["persist-to"]), (kv) => localStream(kv.REGISTRY, name));
  const speed = opts.speed === undefined ? undefined : Number(opts.speed);
  if (speed !== undefined && !(speed > 0)) throw new Error(`--speed: expected a number > 0, got ${opts.speed}`);
  const batch = Math.min(1000, Math.max(1, Number(opts.batch ?? 500)));
  const timeOf = (e: Record<string, unknown>) => parseInstant(e[stream.time_field]) ?? Number.NaN;
  const events = readEvents(file)
    .map((e, i) => ({ e, i, t: timeOf(e) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.e);
  const position = `${file}.${name}.sent`;
  let next = 0;
  if (!opts.restart && existsSync(position)) {
    const last = readFileSync(position, "utf8").trim();
    next = events.findIndex((e) => e[stream.id_field] === last) + 1;
    process.stderr.write(`resuming after ${last} (${next} of ${events.length} already sent)\n`);
  }
  const key = streamKey(opts);
  const url = `${(str(opts.url) ?? "http://localhost:8787").replace(/\/+$/, "")}/v2/streams/${name}/events`;
  const totals = { applied: 0, duplicates: 0, late: 0 };
  const wall0 = Date.now();
  const event0 = events[next] ? timeOf(events[next]!) : 0;
  while (next < events.length) {
    if (speed) {
      const due = wall0 + (timeOf(events[next]!) - event0) / speed;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    const now = Date.now();
    let end = next + 1;
    while (
      end < events.length &&
      end - next < batch &&
      (!speed || wall0 + (timeOf(events[end]!) - event0) / speed <= now)
    )
      end++;
    const body = JSON.stringify({ events: events.slice(next, end) });
    let res: Response | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      res = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body,
      }).catch(() => undefined);
      if (res && res.status < 500) break;
      await sleep(500 * 2 ** attempt);
    }
    if (res?.status !== 202) throw new Error(`${url} answered ${res?.status ?? "nothing"}: ${await res?.text()}`);
    const r = (await res.json()) as typeof totals;
    totals.applied += r.applied;
    totals.duplicates += r.duplicates;
    totals.late += r.late;
    next = end;
    writeFileSync(position, String(events[next - 1]![stream.id_field]));
    process.stderr.write(
      `\r${next}/${events.length} events sent (event time ${new Date(timeOf(events[next - 1]!)).toISOString()}): ${totals.applied} updates applied, ${totals.duplicates} duplicates, ${totals.late} late`,
    );
  }
  process.stderr.write("\n");
}

export async function get(key: string, opts: Opts): Promise<void> {
  const asOfText = str(opts["as-of"]);
  const asOf = asOfText === undefined ? Date.now() : parseInstant(asOfText);
  if (asOf === undefined) throw new Error(`--as-of: expected an ISO 8601 instant, got ${asOfText}`);
  const name = key.split(":")[1] ?? "";
  const { stream, text } = opts.remote
    ? { stream: remoteStream(name, str(opts.env)), text: remoteGet("CONTEXT", key, str(opts.env)) }
    : await withLocal(str(opts["persist-to"]), async (kv) => ({
        stream: await localStream(kv.REGISTRY, name),
        text: await kv.CONTEXT.get(key, "text"),
      }));
  const where = opts.remote ? `the account${str(opts.env) ? ` (env ${str(opts.env)})` : ""}` : "local state";
  if (text === null) throw new Error(`${key}: no value in ${where} (no event yet, or its alarm has not written)`);
  const value = JSON.parse(text) as EntityValue;
  const windows: Record<string, unknown> = {};
  for (const a of stream.aggregations) {
    const agg = value.aggs[a.name];
    if (!agg) continue;
    for (const w of a.windows) {
      const read = readWindow(agg, asOf, durationMs(w)!);
      windows[windowFieldName(a.name, w)] = read.complete
        ? (read.value ?? null)
        : { value: read.value ?? null, complete: false };
    }
  }
  process.stdout.write(
    `${JSON.stringify({ key, as_of: new Date(asOf).toISOString(), updated_at: value.updated_at, windows }, null, 2)}\n`,
  );
}
