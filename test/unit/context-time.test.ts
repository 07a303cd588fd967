import { describe, expect, it } from "vitest";
import { formatInstant, freshness, parseInstant } from "../../src/core/context/time.ts";

describe("parseInstant", () => {
  it("reads ISO 8601 instants with Z or an offset, as Date.parse does", () => {
    for (const text of [
      "2001-06-15T15:30:00Z",
      "2001-06-15T08:30:00-07:00",
      "2001-06-15T23:59:59.250+05:30",
      "2001-06-15T15:30Z",
    ]) {
      expect(parseInstant(text)).toBe(Date.parse(text));
    }
  });

  it("refuses local times without a zone, impossible dates and non-strings", () => {
    for (const text of [
      "2001-06-15T08:30",
      "2001-02-30T00:00:00Z",
      "2001-13-01T00:00:00Z",
      "2001-06-15 08:30:00Z",
      "",
      5,
      null,
    ]) {
      expect(parseInstant(text)).toBeUndefined();
    }
  });
});

describe("freshness", () => {
  const t = Date.parse("2001-06-15T12:00:00Z");
  it("is future when the fact became known after as_of, even by a millisecond", () => {
    expect(freshness({ updatedAt: t + 1, asOf: t })).toBe("future");
    expect(freshness({ updatedAt: t, asOf: t })).toBe("present");
  });

  it("is stale only past max_age_s", () => {
    expect(freshness({ updatedAt: t - 60_000, asOf: t, maxAgeS: 60 })).toBe("present");
    expect(freshness({ updatedAt: t - 60_001, asOf: t, maxAgeS: 60 })).toBe("stale");
    expect(freshness({ updatedAt: t - 10 ** 9, asOf: t })).toBe("present");
  });
});

describe("formatInstant", () => {
  it("writes whole seconds without milliseconds, keeps them otherwise, and reads back as the same instant", () => {
    expect(formatInstant(Date.UTC(2001, 5, 16, 7))).toBe("2001-06-16T07:00:00Z");
    expect(formatInstant(Date.UTC(2001, 5, 16, 7, 0, 0, 250))).toBe("2001-06-16T07:00:00.250Z");
    for (const ms of [0, Date.UTC(2001, 5, 16, 7), Date.UTC(2015, 11, 31, 23, 59, 59, 1)])
      expect(parseInstant(formatInstant(ms))).toBe(ms);
  });
});
