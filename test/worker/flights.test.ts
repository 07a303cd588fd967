/**
 * The default flights model inside workerd: raw fields in, KV context joined, and the same
 * probabilities the Node pipeline computed (train/serve parity to 1e-6), plus its 400s and the
 * documented outcomes of missing or failing context.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import contextFile from "../../model/artifacts/flights/context.json";
import { appWith } from "../support/app-with.ts";
import { entriesFor, FLIGHTS, requests } from "../support/flights.ts";

const api = appWith();
const PREDICT = "/v1/models/flights:predict";

beforeAll(async () => {
  const all = JSON.parse(new TextDecoder().decode(contextFile as unknown as ArrayBuffer)) as Array<{
    key: string;
    value: string;
  }>;
  await Promise.all(entriesFor(all).map((e) => env.CONTEXT.put(e.key, e.value)));
});

describe("flights over v1", () => {
  it("reproduces the Node pipeline's probability for every sampled June flight, at its as_of", async () => {
    let answered = 0;
    for (const { body, cases } of requests()) {
      const res = await api.post(PREDICT, body);
      expect(res.status, res.text.slice(0, 300)).toBe(200);
      cases.forEach((n, j) => {
        const c = FLIGHTS.cases[n]!;
        const p = res.json.predictions[j];
        expect(p.key).toBe(`row-${n}`);
        expect(
          Math.abs(p.delay_probability - c.probability),
          `${c.note} ${JSON.stringify(c.row)} as_of ${c.as_of}`,
        ).toBeLessThanOrEqual(FLIGHTS.tolerance);
        expect(p.delayed).toBe(p.delay_probability >= FLIGHTS.threshold);
        expect(p.context.missing).toEqual(c.missing);
        expect(p.context.degraded).toBe(false);
        answered++;
      });
    }
    expect(answered).toBe(FLIGHTS.cases.length);
  });

  it("reports the context it used, as of the request's as_of", async () => {
    for (const c of [FLIGHTS.cases.find((x) => x.as_of === undefined)!, FLIGHTS.cases.find((x) => x.as_of)!]) {
      const res = await api.post(PREDICT, { instances: [c.row], ...(c.as_of ? { as_of: c.as_of } : {}) });
      const { missing, degraded, ...used } = res.json.predictions[0].context;
      expect(used).toEqual(c.context);
    }
  });

  it("refuses an as_of after the scheduled departure, or unreadable, naming the field", async () => {
    const row = { origin: "SFO", destination: "LAX", departure: "2001-06-15T08:30", distance: 337 };
    const late = await api.post(PREDICT, { instances: [row], as_of: "2001-06-15T08:31" });
    expect(late.status).toBe(400);
    expect(late.json.error).toMatch(
      /^as_of: expected a prediction time not after the scheduled departure of instances\[0\]/,
    );
    const bad = await api.post(PREDICT, { instances: [row], as_of: "now" });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^as_of: expected the prediction time.*got the string "now"/);
    const v2 = await api.post("/v2/models/flights/infer", {
      parameters: { as_of: "2001-06-15T15:31:00Z" },
      inputs: [
        { name: "origin", shape: [1], datatype: "BYTES", data: ["SFO"] },
        { name: "destination", shape: [1], datatype: "BYTES", data: ["LAX"] },
        { name: "departure", shape: [1], datatype: "BYTES", data: ["2001-06-15T08:30"] },
        { name: "distance", shape: [1], datatype: "FP32", data: [337] },
      ],
    });
    expect(v2.status).toBe(400);
    expect(v2.json.error).toMatch(/^parameters\.as_of: expected a prediction time not after/);
  });

  it("sees more of the day the later it is asked", async () => {
    // The fixture's edge case ORD -> LGA on June 20 (its context is seeded).
    const row = { origin: "ORD", destination: "LGA", departure: "2001-06-20T18:45", distance: 733 };
    const known = async (as_of: string) => {
      const res = await api.post(PREDICT, { instances: [row], as_of });
      expect(res.status, res.text).toBe(200);
      return res.json.predictions[0].context;
    };
    const [early, late] = [await known("2001-06-20T15:45"), await known("2001-06-20T18:45")];
    expect(early.lead_minutes).toBe(180);
    expect(late.lead_minutes).toBe(0);
    expect(late.origin_live.departures_today.flights).toBeGreaterThan(early.origin_live.departures_today.flights);
    expect(late.origin_live.scheduled).toEqual(early.origin_live.scheduled);
  });

  it.each([
    ["origin", { origin: "SFOO" }, /instances\[0\]\.origin: expected .*IATA.*got the string "SFOO"/],
    ["departure", { departure: "2001-06-31T08:30" }, /instances\[0\]\.departure: .*got the string "2001-06-31T08:30"/],
    ["departure", { departure: "15/06/2001 08:30" }, /instances\[0\]\.departure: expected .*YYYY-MM-DDTHH:MM/],
    ["distance", { distance: -337 }, /instances\[0\]\.distance: .*got the number -337/],
    ["distance", { distance: "337" }, /instances\[0\]\.distance: expected a number, got the string "337"/],
  ])("refuses a malformed %s with a 400 naming it", async (_field, change, message) => {
    const row = { origin: "SFO", destination: "LAX", departure: "2001-06-15T08:30", distance: 337, ...change };
    const res = await api.post(PREDICT, { instances: [row] });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(message);
  });

  it("defaults missing context and says which keys were missing", async () => {
    const res = await api.post(PREDICT, {
      instances: [{ origin: "SFO", destination: "LAX", departure: "2001-07-04T08:30", distance: 337 }],
    });
    expect(res.status).toBe(200);
    expect(res.json.predictions[0].context.missing).toEqual(["cong:SFO:2001-07-04", "cong:LAX:2001-07-04"]);
  });
});

describe("flights when KV fails", () => {
  const failing = {
    get: async () => {
      throw new Error("KV is down");
    },
  };
  const stalled = { get: () => new Promise(() => {}) };

  it.each([
    ["errors", failing],
    ["never answers", stalled],
  ])("answers 200 with defaults and degraded: true when KV %s", async (_what, kv) => {
    const res = await appWith({ CONTEXT: kv, KV_TIMEOUT_MS: "50" }).post(PREDICT, {
      instances: [FLIGHTS.cases[0]!.row],
    });
    expect(res.status, res.text).toBe(200);
    const { context, delay_probability } = res.json.predictions[0];
    expect(context.degraded).toBe(true);
    expect(context.missing).toEqual(FLIGHTS.cases[0]!.keys);
    expect(delay_probability).toBeGreaterThan(0);
    expect(delay_probability).toBeLessThan(1);
  });
});

describe("flights over v2", () => {
  it("takes the same fields as BYTES and FP32 tensors and gives the same probabilities", async () => {
    const cases = FLIGHTS.cases.filter((c) => c.as_of === undefined).slice(0, 8);
    const column = (name: "origin" | "destination" | "departure") => ({
      name,
      shape: [cases.length],
      datatype: "BYTES",
      data: cases.map((c) => c.row[name]),
    });
    const res = await api.post("/v2/models/flights/infer", {
      id: "flights-1",
      inputs: [
        column("origin"),
        column("destination"),
        column("departure"),
        { name: "distance", shape: [cases.length], datatype: "FP32", data: cases.map((c) => c.row.distance) },
      ],
    });
    expect(res.status, res.text).toBe(200);
    const [probability, delayed, context] = res.json.outputs;
    expect(probability).toMatchObject({ name: "delay_probability", datatype: "FP32", shape: [cases.length] });
    expect(delayed).toMatchObject({ name: "delayed", datatype: "BOOL" });
    expect(JSON.parse(context.data[0]).missing).toEqual(cases[0]!.missing);
    cases.forEach((c, i) =>
      expect(Math.abs(probability.data[i] - c.probability)).toBeLessThanOrEqual(FLIGHTS.tolerance),
    );
  });
});
