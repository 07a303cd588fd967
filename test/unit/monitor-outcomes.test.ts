/**
 * Outcomes as pure functions: the outcomes body's validation (a bad row names itself), which of two
 * outcomes of one key wins, and the flights feed's arrivals as outcomes (late: delay > 15 min).
 */
import { describe, expect, it } from "vitest";
import { hashedKey, parseOutcomes, supersedes } from "../../src/core/monitoring/outcomes.ts";
import { parseEvents } from "../../src/pipelines/flights/events.ts";
import { arrivalOutcomes } from "../../src/pipelines/flights/outcomes.ts";

describe("parseOutcomes", () => {
  it("keeps good rows, with the time as a UTC instant", () => {
    const rows = parseOutcomes({ outcomes: [{ key: "k", value: 1, time: "2001-06-15T10:42:00-07:00" }] }, "m");
    expect(rows).toEqual([{ model: "m", key: "k", value: 1, time: "2001-06-15T17:42:00.000Z" }]);
  });

  it.each([
    [null, /^outcomes: expected \{"outcomes"/],
    [{ outcomes: "x" }, /^outcomes: expected \{"outcomes"/],
    [{ outcomes: [{ key: "k", value: Number.NaN, time: "2001-06-15T17:42:00Z" }] }, /^outcomes\[0\]\.value/],
    [{ outcomes: [{ key: "k", value: 1 }] }, /^outcomes\[0\]\.time: expected an ISO 8601 instant .*got undefined/],
    [{ outcomes: [{ key: "x".repeat(201), value: 1, time: "2001-06-15T17:42:00Z" }] }, /^outcomes\[0\]\.key/],
  ])("refuses %j", (body, message) => {
    expect(() => parseOutcomes(body, "m")).toThrow(message);
  });

  it("bounds the rows of one request", () => {
    const row = { key: "k", value: 0, time: "2001-06-15T17:42:00Z" };
    expect(() => parseOutcomes({ outcomes: [row, row, row] }, "m", 2)).toThrow(/1 to 2 outcomes, got 3/);
  });
});

describe("supersedes", () => {
  it("lets the later time win, and on a tie the larger value, whatever the arrival order", () => {
    expect(supersedes({ value: 0, time: 2 }, { value: 1, time: 1 })).toBe(true);
    expect(supersedes({ value: 1, time: 1 }, { value: 0, time: 2 })).toBe(false);
    expect(supersedes({ value: 1, time: 1 }, { value: 0, time: 1 })).toBe(true);
    expect(supersedes({ value: 0, time: 1 }, { value: 1, time: 1 })).toBe(false);
  });
});

describe("hashedKey", () => {
  it("is sha256 of the UTF-8 key in hex (the digest of 'abc' from FIPS 180-2)", async () => {
    expect(await hashedKey("abc")).toBe("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("arrivalOutcomes", () => {
  const flight = {
    id: "UA123-2001-06-15",
    origin: "SFO",
    destination: "ORD",
    departure: "2001-06-15T08:30",
    distance: 1846,
  };
  const events = parseEvents({
    events: [
      { id: "1", type: "scheduled", time: "2001-06-14T12:00:00Z", flight },
      { id: "2", type: "arrived", time: "2001-06-15T21:00:00Z", delay: 16, flight },
      {
        id: "3",
        type: "arrived",
        time: "2001-06-15T21:00:00Z",
        delay: 15,
        flight: { ...flight, id: "AA1-2001-06-15" },
      },
      { id: "4", type: "cancelled", time: "2001-06-15T06:00:00Z", flight: { ...flight, id: "DL9-2001-06-15" } },
      {
        id: "5",
        type: "arrived",
        time: "2001-06-15T20:00:00Z",
        delay: -5,
        flight: { ...flight, id: "WN2-2001-06-15" },
      },
    ],
  });

  it("makes each arrival the flight's outcome: 1 when more than 15 minutes late, else 0; other events none", () => {
    expect(arrivalOutcomes(events)).toEqual([
      { model: "flights", key: "UA123-2001-06-15", value: 1, time: "2001-06-15T21:00:00.000Z" },
      { model: "flights", key: "AA1-2001-06-15", value: 0, time: "2001-06-15T21:00:00.000Z" },
      { model: "flights", key: "WN2-2001-06-15", value: 0, time: "2001-06-15T20:00:00.000Z" },
    ]);
  });
});
