/**
 * The prediction log's producer sizes each record's JSON without encoding it (log-sink.ts
 * `utf8Length`); the reference is TextEncoder's output length.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunk, jsonBytesAtMost, queueLogSink, utf8Length } from "../../src/adapters/queues/log-sink.ts";

const encoder = new TextEncoder();

describe("utf8Length", () => {
  it("is TextEncoder's length for any JSON text, lone surrogates included (JSON.stringify escapes them)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.jsonValue()), (value) => {
        const text = JSON.stringify(value);
        expect(utf8Length(text)).toBe(encoder.encode(text).length);
      }),
      { numRuns: 2000 },
    );
    for (const text of ['"é"', '"€"', '"😀"', '"\\ud800"', "[]"])
      expect(utf8Length(text)).toBe(encoder.encode(text).length);
  });
});

describe("the producer's batches", () => {
  it("bound every record's JSON size from above", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonBytesAtMost(value)).toBeGreaterThanOrEqual(utf8Length(JSON.stringify(value)));
      }),
      { numRuns: 2000 },
    );
  });

  it("are the ones the records' exact JSON sizes give (chunk), whether the bounds decide or not", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            row: fc.nat(),
            text: fc.oneof(
              fc.string({ maxLength: 20 }),
              fc.string({ unit: "binary", minLength: 500, maxLength: 4000 }),
            ),
            features: fc.array(fc.double(), { maxLength: 40 }),
          }),
          { maxLength: 350 },
        ),
        async (records) => {
          const sent: number[][] = [];
          const sink = queueLogSink({
            sendBatch: async (messages) => {
              sent.push([...messages].map((m) => records.indexOf(m.body as never)));
            },
          });
          await sink.send(records as never);
          expect(sent).toEqual(chunk(records.map((r) => encoder.encode(JSON.stringify(r)).length)).batches);
        },
      ),
      { numRuns: 60 },
    );
  });
});
