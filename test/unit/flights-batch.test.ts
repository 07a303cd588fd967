/**
 * The flights pipeline's per-request sharing (features.ts `rowShare`, `contextJson`): rows of one
 * request reuse the parts they have in common, and the answer is the same as each row built on
 * its own. References: `rawFeatures` without sharing, and JSON.stringify of the context object.
 */

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readEntries } from "../../scripts/local-context.ts";
import { readManifest } from "../../src/core/models/manifest.ts";
import { batchLookup } from "../../src/pipelines/flights/context.ts";
import { contextJson, rawFeatures, rowShare } from "../../src/pipelines/flights/features.ts";
import { FlightsParamsSchema, parseAsOf, parseFlight } from "../../src/pipelines/flights/index.ts";

const bytes = readFileSync("model/artifacts/flights/1/manifest.json");
const { manifest } = readManifest(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), "flights");
const params = FlightsParamsSchema.parse(manifest.preprocess?.params);
const entries = readEntries();
const airports = entries.filter((e) => e.key.startsWith("ap:")).map((e) => e.key.slice(3));
const values = new Map(entries.map((e) => [e.key, JSON.parse(e.value) as unknown]));
// A few airports without values, and days without live values (June 2001 has them; 2001-07 not).
const codes = [...airports.slice(0, 12), "ZZZ", "QQQ"];
const flight = fc.record({
  origin: fc.constantFrom(...codes),
  destination: fc.constantFrom(...codes),
  day: fc.constantFrom("2001-06-15", "2001-06-16", "2001-07-02", "2001-03-11", "2001-04-01", "2001-10-28"),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.constantFrom(0, 5, 30, 59),
  distance: fc.integer({ min: 50, max: 3000 }),
});
const pad = (n: number) => String(n).padStart(2, "0");

describe("a request's shared parts", () => {
  it("give every row the features, missing keys and context it gets on its own, and its context as JSON.stringify writes it", () => {
    fc.assert(
      fc.property(
        fc.array(flight, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(undefined, "2001-06-15T06:00", "2001-06-15T04:00:00Z", "2001-03-01T00:00:00-05:00"),
        fc.boolean(),
        (flights, asOfText, degraded) => {
          const asOf = parseAsOf(asOfText, "as_of");
          const shared = batchLookup(values);
          const alone = batchLookup(values);
          const share = rowShare();
          for (const f of flights) {
            if (f.origin === f.destination) continue;
            const q = parseFlight(
              { ...f, departure: `${f.day}T${pad(f.hour)}:${pad(f.minute)}`, distance: f.distance },
              "row",
            );
            let own: ReturnType<typeof rawFeatures> | string;
            try {
              own = rawFeatures(q, alone, params, asOf, "row");
            } catch (err) {
              own = (err as Error).message;
            }
            let got: ReturnType<typeof rawFeatures> | string;
            try {
              got = rawFeatures(q, shared, params, asOf, "row", share);
            } catch (err) {
              got = (err as Error).message;
            }
            expect(got).toEqual(own);
            if (typeof got === "string" || typeof own === "string") continue;
            expect(contextJson(got, degraded, share)).toBe(
              JSON.stringify({ ...own.context, missing: own.missing, degraded }),
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
