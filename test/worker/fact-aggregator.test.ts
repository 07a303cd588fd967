/**
 * The live context's Durable Object (AirportDay on src/adapters/durable-objects/fact-aggregator.ts)
 * when its KV write fails: the write is retried by the alarm with backoff, nothing applied in the
 * meantime is lost, and writes stay at most one per interval. A real object with its real storage
 * (runInDurableObject); only its KV writer is swapped for one whose failures the test scripts.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { KvWriter } from "../../src/adapters/durable-objects/fact-aggregator.ts";
import type { AirportDay } from "../../src/adapters/flights/airport-day.ts";
import type { LiveFact } from "../../src/pipelines/flights/live.ts";

interface Scripted {
  failing: number;
  writes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** Runs `fn` inside a fresh AirportDay whose KV writes fail while `failing` > 0. */
async function withObject(name: string, fn: (o: AirportDay, state: DurableObjectState, s: Scripted) => Promise<void>) {
  const stub = env.AIRPORT_DAY.get(env.AIRPORT_DAY.idFromName(name));
  await runInDurableObject(stub, async (object: AirportDay, state) => {
    const scripted: Scripted = { failing: 0, writes: [] };
    const writer: KvWriter = {
      put: async (key, value) => {
        if (scripted.failing > 0) {
          scripted.failing--;
          throw new Error("KV write failed");
        }
        scripted.writes.push({ key, value: JSON.parse(value) });
      },
    };
    (object as unknown as { store: () => KvWriter }).store = () => writer;
    await fn(object, state, scripted);
  });
}

const dep = (hour: number, late?: boolean): LiveFact =>
  late === undefined ? { kind: "dep", hour } : { kind: "dep", hour, settled: { at: hour * 60 + 90, late } };
const update = (eventId: string, factId: string, fact: LiveFact, time = 1000) => ({ eventId, factId, fact, time });
const K = "cong:SFO:2001-06-15";

describe("fact aggregator writes", () => {
  it("retries a failed KV write with backoff and loses nothing applied meanwhile", async () => {
    await withObject("retry", async (object, state, s) => {
      await object.apply(K, [update("e1", "a", dep(8)), update("e2", "b", dep(9))]);
      expect(await state.storage.getAlarm()).not.toBeNull();
      s.failing = 2;
      const before = Date.now();
      await object.alarm();
      expect(s.writes).toHaveLength(0);
      expect((await state.storage.getAlarm())! - before).toBeGreaterThanOrEqual(2000); // 1 s · 2^1
      await object.apply(K, [update("e3", "a", dep(8, true), 2000)]);
      await object.alarm();
      expect(s.writes).toHaveLength(0);
      expect((await state.storage.getAlarm())! - Date.now()).toBeGreaterThan(3000); // 1 s · 2^2
      await object.alarm();
      expect(s.writes).toHaveLength(1);
      expect(s.writes[0]).toMatchObject({
        key: K,
        value: { updated_at: "1970-01-01T00:00:02Z", dep_settled: [[38, 1, 1]] },
      });
      expect((s.writes[0]!.value.dep as number[]).reduce((x, y) => x + y)).toBe(2);
      expect(await object.state()).toMatchObject({ key: K, version: 2, written: 2, failures: 0, facts: 2 });
    });
  });

  it("ignores an event id seen before, and writes nothing when nothing changed", async () => {
    await withObject("duplicates", async (object, _state, s) => {
      expect(await object.apply(K, [update("e1", "a", dep(8, false))])).toEqual({
        applied: 1,
        duplicates: 0,
        duplicateIds: [],
      });
      await object.alarm();
      const again = [update("e1", "a", dep(8, true)), update("e1", "a", dep(8, true))];
      expect(await object.apply(K, again)).toEqual({ applied: 0, duplicates: 2, duplicateIds: ["e1", "e1"] });
      await object.alarm();
      expect(s.writes.map((w) => w.value.dep_settled)).toEqual([[[38, 1, 0]]]);
    });
  });

  it("schedules the next write no sooner than the interval after the last one", async () => {
    await withObject("interval", async (object, state) => {
      await object.apply(K, [update("e1", "a", dep(8))]);
      await object.alarm();
      const written = Date.now();
      await state.storage.deleteAlarm();
      await object.apply(K, [update("e2", "a", dep(8, true))]);
      expect((await state.storage.getAlarm())! - written).toBeGreaterThanOrEqual(990);
    });
  });

  it("refuses updates for another key", async () => {
    await withObject("other-key", async (object) => {
      await object.apply(K, [update("e1", "a", dep(8))]);
      await expect(object.apply("cong:LAX:2001-06-15", [update("e2", "a", dep(8))])).rejects.toThrow(
        /for cong:SFO:2001-06-15 was sent updates for cong:LAX:2001-06-15/,
      );
    });
  });
});
