/**
 * The prediction log's producer sizes each record's JSON without encoding it (log-sink.ts
 * `utf8Length`); the reference is TextEncoder's output length.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8Length } from "../../src/adapters/queues/log-sink.ts";

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
