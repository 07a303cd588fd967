/**
 * The default flights model in the built bundle (production config: wasm backend, no
 * nodejs_compat), with its context loaded into Miniflare's real local KV the way `npm start`
 * loads it: the Node pipeline's probabilities to 1e-6, and the same answers on two instances
 * that share one state.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putAll, readEntries } from "../../scripts/local-context.ts";
import { client } from "../support/client.ts";
import { entriesFor, FLIGHTS, instances, requests } from "../support/flights.ts";
import { fetcher, startWorker } from "./worker.ts";

const state = mkdtempSync(join(tmpdir(), "stateless-serve-flights-"));
let a: Miniflare;
let b: Miniflare;

beforeAll(async () => {
  a = await startWorker({ persistTo: state, vars: { DIAGNOSTICS: "on" } });
  await putAll(await a.getKVNamespace("CONTEXT"), entriesFor(readEntries()));
  b = await startWorker({ persistTo: state, vars: { MODEL_CACHE: "off" } });
});
afterAll(async () => {
  await Promise.all([a?.dispose(), b?.dispose()]);
  rmSync(state, { recursive: true, force: true });
});

describe("flights in the built bundle", () => {
  it("runs on the wasm backend and reproduces the Node pipeline's probabilities", async () => {
    for (const { body, cases } of requests()) {
      const res = await client(fetcher(a)).post("/v1/models/flights:predict", body);
      expect(res.status, res.text.slice(0, 300)).toBe(200);
      cases.forEach((n, j) => {
        const c = FLIGHTS.cases[n]!;
        const p = res.json.predictions[j];
        expect(Math.abs(p.delay_probability - c.probability), `${c.note} ${JSON.stringify(c.row)}`).toBeLessThanOrEqual(
          FLIGHTS.tolerance,
        );
        expect(p.context.missing).toEqual(c.missing);
      });
    }
    expect((await client(fetcher(a)).get("/_internal/memory")).json.backend).toBe("wasm");
  });

  it("answers byte-identically from a second instance on the same state, memo off", async () => {
    const body = { instances: instances().slice(0, 50) };
    const [x, y] = await Promise.all([a, b].map((mf) => client(fetcher(mf)).post("/v1/models/flights:predict", body)));
    expect(y!.status).toBe(200);
    expect(y!.text).toBe(x!.text);
  });
});
