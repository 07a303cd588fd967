/**
 * Declared streams inside workerd (Miniflare's real KV, Durable Objects with SQLite storage):
 * POST /v2/streams/{stream}/events validated against the published declaration, applied by one
 * StreamEntity per entity key, written to KV by its alarm; the windows read from the KV value at
 * random as_of equal a brute force over the raw events, whatever the order, the duplicates and
 * the restarts; late events are refused with a count; a bad event applies nothing.
 */
import {
  abortAllDurableObjects,
  env,
  listDurableObjectIds,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import type { KvWriter } from "../../src/adapters/durable-objects/fact-aggregator.ts";
import type { StreamEntity } from "../../src/adapters/durable-objects/stream-entity.ts";
import type { AggValue } from "../../src/core/streams/buckets.ts";
import { entityConfigs } from "../../src/core/streams/entity.ts";
import { StreamSchema } from "../../src/core/streams/spec.ts";
import { readWindow } from "../../src/core/streams/window.ts";
import { appWith } from "../support/app-with.ts";

const KEY = "stream-test-key-0123456789";
const api = appWith({ STREAM_KEYS: KEY, API_KEYS: "" });
const auth = { authorization: `Bearer ${KEY}` };
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12);

const declaration = (name: string, lateness = "6h") => ({
  name,
  id_field: "id",
  time_field: "at",
  lateness,
  fields: [
    { name: "id", dtype: "string" },
    { name: "at", dtype: "string" },
    { name: "sender", dtype: "string" },
    { name: "size", dtype: "int32" },
    { name: "spam", dtype: "bool" },
  ],
  entities: [{ name: "sender", key: "sender:{sender}" }],
  aggregations: [
    { name: "mails", entity: "sender", function: "count", windows: ["10m", "1h"], bucket: "5m" },
    {
      name: "spam",
      entity: "sender",
      function: "count",
      filter: { field: "spam", equals: true },
      windows: ["1h"],
      bucket: "5m",
    },
    { name: "bytes", entity: "sender", function: "sum", field: "size", windows: ["1h"], bucket: "5m" },
    { name: "biggest", entity: "sender", function: "max", field: "size", windows: ["1h"], bucket: "5m" },
  ],
});

async function publish(name: string, lateness?: string) {
  await env.REGISTRY.put(`stream:${name}`, JSON.stringify(declaration(name, lateness)));
}

interface Mail {
  id: string;
  at: string;
  sender: string;
  size: number;
  spam: boolean;
}

const mail = (id: string, minutes: number, sender = "a", size = 10, spam = false): Mail => ({
  id,
  at: new Date(T0 + minutes * MIN).toISOString(),
  sender,
  size,
  spam,
});

async function send(stream: string, events: unknown[]) {
  const res = await api.post(`/v2/streams/${stream}/events`, { events }, auth);
  return res;
}

async function flush() {
  for (const id of await listDurableObjectIds(env.STREAM_ENTITY)) {
    const stub = env.STREAM_ENTITY.get(id);
    await runDurableObjectAlarm(stub);
    // An alarm that was already firing on its own is not run again: wait for its write to land
    // (a failed write, failures > 0, waits for its retry instead, which tests run by hand).
    await vi.waitFor(
      async () => {
        const state = await stub.state();
        if (state.written !== state.version && state.failures === 0) throw new Error("a KV write is in flight");
      },
      { timeout: 5_000, interval: 10 },
    );
  }
}

async function stored(key: string) {
  return (await env.CONTEXT.get(key, "json")) as { updated_at: string; aggs: Record<string, AggValue> } | null;
}

let badRuns = 0;

describe("POST /v2/streams/{stream}/events", () => {
  it("refuses a missing or wrong key and is closed without STREAM_KEYS; 404 for an unpublished stream", async () => {
    await publish("keys");
    const body = { events: [mail("k1", 0)] };
    expect((await api.post("/v2/streams/keys/events", body)).status).toBe(401);
    expect((await api.post("/v2/streams/keys/events", body, { authorization: "Bearer nope" })).status).toBe(401);
    const closed = await appWith({ STREAM_KEYS: "" }).post("/v2/streams/keys/events", body, auth);
    expect(closed.status).toBe(403);
    expect(closed.json.error).toMatch(/STREAM_KEYS/);
    const unknown = await send("nosuch", body.events);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatch(/stream 'nosuch' is not published/);
  });

  it.each([
    [[mail("b1", 0), { ...mail("b2", 1), size: 1.5 }], /^events\[1\]\.size: expected an int32, got .*1\.5/],
    [[mail("b1", 0), { ...mail("b2", 1), at: "yesterday" }], /^events\[1\]\.at: expected an ISO 8601 instant/],
    [[{ ...mail("b1", 0), colour: "red" }], /^events\[0\]\.colour: not a field of stream 'bad\d'/],
    [[{ ...mail("b1", 0), spam: undefined }], /^events\[0\]\.spam: expected a bool, got /],
  ])("answers a bad event with a 400 naming it, and applies nothing of the request (%#)", async (events, message) => {
    const stream = `bad${++badRuns}`;
    await publish(stream);
    const res = await send(stream, events);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(message);
    const ok = await send(stream, [mail("b0", 0)]);
    expect(ok.json).toMatchObject({ applied: 1, duplicates: 0 });
    await flush();
    // b1 was in the refused requests: had it been applied, b0's key would count 2.
    const value = await stored(`s:${stream}:sender:a`);
    expect(readWindow(value!.aggs.mails!, T0 + 60 * MIN, 60 * MIN).value).toBe(1);
  });

  it("refuses events later than the declared lateness, with their count and ids, and counts the rest", async () => {
    await publish("late", "30m");
    // Within one request nothing is late (its order must not matter): 40 is 60 min behind 100, yet counts.
    expect((await send("late", [mail("l0", 40), mail("l1", 100)])).json).toMatchObject({ applied: 2, late: 0 });
    const res = await send("late", [mail("l2", 75), mail("l3", 69), mail("l4", 40)]);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ events: 3, applied: 1, late: 2, late_ids: ["l3", "l4"] });
    // The watermark stays at 100: an event at 69 is still too late in a later request.
    expect((await send("late", [mail("l5", 69), mail("l6", 71)])).json).toMatchObject({ applied: 1, late: 1 });
    await flush();
    const value = await stored("s:late:sender:a");
    expect(readWindow(value!.aggs.mails!, T0 + 105 * MIN, 60 * MIN).value).toBe(3); // 100, 75, 71 (l0 at 40 is outside [45, 105))
    expect(readWindow(value!.aggs.mails!, T0 + 105 * MIN, 65 * MIN).value).toBe(4);
  });

  it('with align "bucket", the object puts an event on a boundary in the bucket ending there, and windows are (F - W, F]', async () => {
    const d = declaration("aligned");
    await env.REGISTRY.put(
      "stream:aligned",
      JSON.stringify({ ...d, aggregations: d.aggregations.map((a) => ({ ...a, align: "bucket" })) }),
    );
    // 5-minute buckets: 10 and 15 are boundaries, 12 is not.
    const events = [mail("a10", 10), mail("a12", 12), mail("a15", 15)];
    expect((await send("aligned", events)).json).toMatchObject({ applied: 3, late: 0 });
    await flush();
    const value = await stored("s:aligned:sender:a");
    expect(value!.aggs.mails).toMatchObject({
      align: "bucket",
      b: [
        [T0 + 5 * MIN, 1],
        [T0 + 10 * MIN, 2],
      ],
    });
    // Brute force: the events with F - W < t <= F, F = as_of rounded down to 5 minutes.
    for (const minutes of [9, 10, 11, 14.5, 15, 16, 19, 20, 24, 25]) {
      const asOf = T0 + minutes * MIN;
      const F = T0 + Math.floor(minutes / 5) * 5 * MIN;
      const want = events.filter((e) => Date.parse(e.at) > F - 10 * MIN && Date.parse(e.at) <= F).length;
      expect(readWindow(value!.aggs.mails!, asOf, 10 * MIN).value, `as_of +${minutes} min`).toBe(want);
    }
  });

  it("for random events, orders, duplicates and restarts, every window at a random as_of equals a brute force", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({
            id: fc.string({ minLength: 1, maxLength: 6 }),
            minute: fc.integer({ min: 0, max: 300 }),
            sender: fc.constantFrom("a", "b"),
            size: fc.integer({ min: 0, max: 1000 }),
            spam: fc.boolean(),
          }),
          { selector: (e) => e.id, minLength: 1, maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 25 }),
        fc.array(fc.integer({ min: -30, max: 360 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        async (raw, batchSize, asOfMinutes, seed) => {
          const stream = `prop${run++}`;
          await publish(stream); // lateness 6h: every event here is in time, in any order
          const events = raw.map((e) => mail(e.id, e.minute, e.sender, e.size, e.spam));
          // Shuffled, with some events sent twice, in batches, objects restarted between some.
          let s = seed;
          const rnd = () => {
            s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
            return s / 2 ** 31;
          };
          const sent = [...events, ...events.filter(() => rnd() < 0.3)].sort(() => rnd() - 0.5);
          for (let i = 0; i < sent.length; i += batchSize) {
            const res = await send(stream, sent.slice(i, i + batchSize));
            expect(res.status, res.text).toBe(202);
            expect(res.json.late).toBe(0);
            if (rnd() < 0.3) await abortAllDurableObjects();
          }
          await flush();
          for (const sender of ["a", "b"]) {
            const mine = events.filter((e) => e.sender === sender);
            const value = await stored(`s:${stream}:sender:${sender}`);
            if (mine.length === 0) {
              expect(value).toBeNull();
              continue;
            }
            for (const m of asOfMinutes) {
              const asOf = T0 + m * MIN + 17_000; // not on a boundary: the partial buckets are left out
              const hi = Math.floor(asOf / (5 * MIN)) * 5 * MIN;
              const inWindow = (w: number) =>
                mine.filter((e) => Date.parse(e.at) < hi && Date.parse(e.at) >= hi - w + 5 * MIN);
              const hour = inWindow(60 * MIN);
              expect(readWindow(value!.aggs.mails!, asOf, 10 * MIN).value).toBe(inWindow(10 * MIN).length);
              expect(readWindow(value!.aggs.mails!, asOf, 60 * MIN).value).toBe(hour.length);
              expect(readWindow(value!.aggs.spam!, asOf, 60 * MIN).value).toBe(hour.filter((e) => e.spam).length);
              expect(readWindow(value!.aggs.bytes!, asOf, 60 * MIN).value).toBe(hour.reduce((n, e) => n + e.size, 0));
              expect(readWindow(value!.aggs.biggest!, asOf, 60 * MIN).value).toBe(
                hour.length ? Math.max(...hour.map((e) => e.size)) : undefined,
              );
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe("the stream entity object", () => {
  it("retries a failed KV write with backoff, loses nothing applied meanwhile, and bounds what it keeps", async () => {
    const key = "s:retry:sender:a";
    const config = entityConfigs(StreamSchema.parse(declaration("retry", "30m"))).get("sender")!;
    const stub = env.STREAM_ENTITY.get(env.STREAM_ENTITY.idFromName(key));
    const update = (id: string, minute: number) => ({ id, time: T0 + minute * MIN, aggs: { mails: null } });
    await runInDurableObject(stub, async (instance, state) => {
      const object = instance as unknown as StreamEntity;
      let failing = 2;
      const writes: Array<{ key: string; value: { aggs: Record<string, AggValue> } }> = [];
      const writer: KvWriter = {
        put: async (k, value) => {
          if (failing-- > 0) throw new Error("KV write failed");
          writes.push({ key: k, value: JSON.parse(value) });
        },
      };
      (object as unknown as { store: () => KvWriter }).store = () => writer;
      await object.apply(key, config, [update("r1", 0), update("r2", 1)]);
      expect(await state.storage.getAlarm()).not.toBeNull();
      const before = Date.now();
      await object.alarm();
      expect(writes).toHaveLength(0);
      expect((await state.storage.getAlarm())! - before).toBeGreaterThanOrEqual(2000); // 1 s · 2^1
      await object.apply(key, config, [update("r3", 2)]);
      await object.alarm();
      expect(writes).toHaveLength(0);
      await object.alarm();
      expect(writes).toHaveLength(1);
      expect(writes[0]!.key).toBe(key);
      expect(readWindow(writes[0]!.value.aggs.mails!, T0 + 10 * MIN, 10 * MIN).value).toBe(3);
      expect(await object.state()).toMatchObject({ key, failures: 0, events: 3 });
      // Far later: ids behind the lateness horizon and buckets behind longest window + lateness go.
      await object.apply(key, config, [update("r4", 600)]);
      expect(await object.state()).toMatchObject({ events: 1, buckets: 1 });
      const value = object.value() as { aggs: Record<string, AggValue> };
      expect(value.aggs.mails!.from).toBe(T0 + 600 * MIN - 90 * MIN); // 1h window + 30m lateness
      expect(readWindow(value.aggs.mails!, T0 + 10 * MIN, 10 * MIN)).toEqual({ value: 0, complete: false });
      // A re-sent old id is refused as late, never counted twice.
      expect(await object.apply(key, config, [update("r1", 0)])).toEqual({
        applied: 0,
        duplicates: 0,
        lateIds: ["r1"],
      });
    });
  });
});
