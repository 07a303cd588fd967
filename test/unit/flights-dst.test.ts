/**
 * US daylight saving dates of the flights pipeline (src/pipelines/flights/context.ts), computed by
 * arithmetic for every row: the published switch dates, and every day from 1987 to 2040 against
 * the same rule evaluated with Date objects.
 */
import { describe, expect, it } from "vitest";
import { usDaylightSaving } from "../../src/pipelines/flights/index.ts";

/** The rule with Date objects: n-th (or last) Sunday of a month. */
function sundayByDate(year: number, month: number, n: number): number {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const sundays = Array.from({ length: days }, (_, i) => i + 1).filter(
    (d) => new Date(Date.UTC(year, month - 1, d)).getUTCDay() === 0,
  );
  return n > 0 ? sundays[n - 1]! : sundays.at(-1)!;
}

describe("usDaylightSaving", () => {
  it("switches on the published dates", () => {
    // 2001: April 1 to October 28; 2007: March 11 to November 4; 2024: March 10 to November 3.
    for (const [y, m, d, on] of [
      [2001, 3, 31, false],
      [2001, 4, 1, true],
      [2001, 10, 27, true],
      [2001, 10, 28, false],
      [2007, 3, 10, false],
      [2007, 3, 11, true],
      [2007, 11, 3, true],
      [2007, 11, 4, false],
      [2024, 3, 10, true],
      [2024, 11, 3, false],
    ] as const)
      expect(usDaylightSaving(y, m, d), `${y}-${m}-${d}`).toBe(on);
  });

  it("agrees with the rule evaluated with Date objects on every day of 1987-2040", () => {
    for (let year = 1987; year <= 2040; year++) {
      const [sm, sd, em, ed] =
        year >= 2007
          ? [3, sundayByDate(year, 3, 2), 11, sundayByDate(year, 11, 1)]
          : [4, sundayByDate(year, 4, 1), 10, sundayByDate(year, 10, -1)];
      for (let month = 1; month <= 12; month++) {
        const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
        for (let day = 1; day <= days; day++) {
          const v = month * 100 + day;
          expect(usDaylightSaving(year, month, day)).toBe(v >= sm * 100 + sd && v < em * 100 + ed);
        }
      }
    }
  });
});
