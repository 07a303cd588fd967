/**
 * docs/streams.md, step by step, on the built bundle (Miniflare, production config, its real
 * Durable Objects and KV): train the earthquake model, publish the `quakes` stream and the model
 * with the CLIs, replay the week's quakes into POST /v2/streams/quakes/events in event-time order,
 * and ask predictions during the replay. At each checkpoint every network's windows in the
 * answer equal a brute-force count over the raw USGS file (this file's own reading of it, not the
 * serving code), and the probability is the model run here on the features the Worker reports.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client } from "../support/client.ts";
import { fetcher, startWorker } from "./worker.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const scratch = mkdtempSync(join(tmpdir(), "streams-e2e-"));
const OUT = join(scratch, "quakes");
const STATE = join(scratch, "state");
const KEY = "stream-e2e-key-0123456789";
const HOUR = 3_600_000;
let mf: Miniflare;
let api: ReturnType<typeof client>;

function run(script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script, ...args],
      { cwd: ROOT, timeout: 240_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

// ---- the independent reading of the raw file ----
interface Quake {
  id: string;
  net: string;
  time: number;
  mag: number;
}
const RAW = JSON.parse(readFileSync(join(ROOT, "node_modules/vega-datasets/data/earthquakes.json"), "utf8")) as {
  features: Array<{ id: string; properties: { time: number; net: string; mag: number } }>;
};
const QUAKES: Quake[] = RAW.features.map((f) => ({
  id: f.id,
  net: f.properties.net,
  time: f.properties.time,
  mag: f.properties.mag,
}));
/** The quakes of `net` in the window of `hours` ending at `asOf` (a whole hour: the buckets cover it exactly). */
const inWindow = (net: string, asOf: number, hours: number) =>
  QUAKES.filter((q) => q.net === net && q.time >= asOf - hours * HOUR && q.time < asOf);

function expectedWindows(net: string, asOf: number) {
  const max = (qs: Quake[]) => (qs.length ? Math.max(...qs.map((q) => q.mag)) : 0);
  return {
    quakes_1h: inWindow(net, asOf, 1).length,
    quakes_6h: inWindow(net, asOf, 6).length,
    quakes_24h: inWindow(net, asOf, 24).length,
    strong_6h: inWindow(net, asOf, 6).filter((q) => q.mag >= 2.5).length,
    strong_24h: inWindow(net, asOf, 24).filter((q) => q.mag >= 2.5).length,
    mag_6h: max(inWindow(net, asOf, 6)),
    mag_24h: max(inWindow(net, asOf, 24)),
  };
}

beforeAll(async () => {
  mf = await startWorker({ persistTo: join(STATE, "v3"), vars: { STREAM_KEYS: KEY } });
  api = client(fetcher(mf));
  const trained = await run("model/quakes/train.ts", "--out", OUT);
  expect(trained.code, trained.stderr).toBe(0);
  const stream = await run("scripts/streams.ts", "publish", join(OUT, "stream.json"), "--persist-to", STATE);
  expect(stream.code, stream.stderr).toBe(0);
  const published = await run(
    "scripts/models.ts",
    "publish",
    join(OUT, "1"),
    "--name",
    "quakes",
    "--version",
    "1",
    "--persist-to",
    STATE,
  );
  expect(published.code, published.stderr).toBe(0);
  expect(published.stdout + published.stderr).toMatch(/lookup 'recent' fits stream 'quakes'/);
  await tf.setBackend("cpu");
}, 600_000);
afterAll(async () => {
  await mf?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe("the streams walk-through (quakes)", () => {
  it("replays the week in event time; predictions during the replay see exactly the windows of the raw file", async () => {
    const lines = readFileSync(join(OUT, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; time: string; net: string });
    const manifest = JSON.parse(readFileSync(join(OUT, "1/model.json"), "utf8"));
    const bytes = readFileSync(join(OUT, "1", manifest.weightsManifest[0].paths[0]));
    const model = await tf.loadLayersModel({
      load: async () => ({
        modelTopology: manifest.modelTopology,
        weightSpecs: manifest.weightsManifest[0].weights,
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      }),
    });
    const context = await mf.getKVNamespace("CONTEXT");
    const nets = ["ak", "ci", "nc", "us", "pr"];
    const checkpoints = [
      "2018-02-01T12:00:00Z",
      "2018-02-03T00:00:00Z",
      "2018-02-05T06:00:00Z",
      "2018-02-06T20:00:00Z",
      "2018-02-07T00:00:00Z",
    ];
    let next = 0;
    let sent = 0;
    for (const checkpoint of checkpoints) {
      const until = Date.parse(checkpoint);
      const due = [];
      while (next < lines.length && Date.parse(lines[next]!.time) < until) due.push(lines[next++]!);
      for (let i = 0; i < due.length; i += 250) {
        const res = await api.post(
          "/v2/streams/quakes/events",
          { events: due.slice(i, i + 250) },
          { authorization: `Bearer ${KEY}` },
        );
        expect(res.status, res.text).toBe(202);
        expect(res.json.late).toBe(0);
        sent += res.json.applied;
      }
      // Each network's value is written by its object's alarm within about a second: wait for the newest event.
      for (const net of nets) {
        const newest = Math.max(...due.filter((e) => e.net === net).map((e) => Date.parse(e.time)), 0);
        for (let tries = 0; newest > 0; tries++) {
          const v = (await context.get(`s:quakes:net:${net}`, "json")) as { updated_at: string } | null;
          if (v && Date.parse(v.updated_at) >= newest) break;
          expect(tries, `s:quakes:net:${net} at ${checkpoint}`).toBeLessThan(50);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      const asOf = until;
      const res = await api.post("/v1/models/quakes:predict", {
        context: true,
        as_of: checkpoint,
        instances: nets.map((net) => ({ net })),
      });
      expect(res.status, res.text).toBe(200);
      for (const [i, net] of nets.entries()) {
        const p = res.json.predictions[i];
        expect(p.context.lookups.recent.status, `${net} ${checkpoint}`).toBe("present");
        const want = expectedWindows(net, asOf);
        expect(p.context.lookups.recent.values, `${net} ${checkpoint}`).toEqual({
          ...want,
          mag_6h: expect.closeTo(want.mag_6h, 5),
          mag_24h: expect.closeTo(want.mag_24h, 5),
        });
        const local = tf.tidy(() => (model.predict(tf.tensor2d([p.context.features])) as tf.Tensor).dataSync()[0]!);
        expect(p.strong_probability[0]).toBeCloseTo(local, 5);
      }
    }
    expect(sent).toBeGreaterThan(1000);
    // The rest of the week, then the last checkpoint asked again: later quakes change nothing about it.
    for (let i = next; i < lines.length; i += 250) {
      const res = await api.post(
        "/v2/streams/quakes/events",
        { events: lines.slice(i, i + 250) },
        { authorization: `Bearer ${KEY}` },
      );
      expect(res.json.late).toBe(0);
    }
    const newest = Math.max(...lines.filter((e) => e.net === "ak").map((e) => Date.parse(e.time)));
    for (let tries = 0; ; tries++) {
      const v = (await context.get("s:quakes:net:ak", "json")) as { updated_at: string } | null;
      if (v && Date.parse(v.updated_at) >= newest) break;
      expect(tries).toBeLessThan(50);
      await new Promise((r) => setTimeout(r, 200));
    }
    const last = checkpoints.at(-1)!;
    const again = await api.post("/v1/models/quakes:predict", {
      context: true,
      as_of: last,
      instances: [{ net: "ak" }],
    });
    const want = expectedWindows("ak", Date.parse(last));
    expect(again.json.predictions[0].context.lookups.recent).toMatchObject({
      status: "present",
      values: { quakes_1h: want.quakes_1h, quakes_24h: want.quakes_24h, strong_24h: want.strong_24h },
    });
    // The first checkpoint is now older than what the values keep (longest window + lateness,
    // 26 h, behind the newest quake): its windows cannot be vouched for, so stale and the defaults.
    const old = await api.post("/v1/models/quakes:predict", {
      context: true,
      as_of: checkpoints[0],
      instances: [{ net: "ak" }],
    });
    expect(old.json.predictions[0].context.lookups.recent).toMatchObject({ status: "stale", values: { quakes_1h: 0 } });
  });
});
