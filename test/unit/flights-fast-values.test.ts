/**
 * The hand-written checks of flights context values (src/pipelines/flights/fast-values.ts) against
 * the zod schemas, the reference: every value of the committed context file takes the fast path
 * and zod accepts it unchanged; seeded mutations of them (fields dropped, added, retyped, counts out
 * of range, late counts above totals) get from readValue exactly what zod alone gives.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { prng } from "../../model/lib/prng.ts";
import {
  AirportValueSchema,
  CongestionValueSchema,
  RouteValueSchema,
  readValue,
} from "../../src/pipelines/flights/context.ts";
import { isAirportValue, isCongestionValue, isRouteValue } from "../../src/pipelines/flights/fast-values.ts";

const entries = JSON.parse(readFileSync("model/artifacts/flights/context.json", "utf8")) as Array<{
  key: string;
  value: string;
}>;
const kinds = [
  { prefix: "ap:", schema: AirportValueSchema as z.ZodType<unknown>, fast: isAirportValue },
  { prefix: "route:", schema: RouteValueSchema as z.ZodType<unknown>, fast: isRouteValue },
  { prefix: "cong:", schema: CongestionValueSchema as z.ZodType<unknown>, fast: isCongestionValue },
];

function zodOnly(schema: z.ZodType<unknown>, value: unknown) {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function mutate(value: unknown, random: () => number): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const odd = [undefined, null, -1, 1.5, 2, 1e9, Number.NaN, "1", true, [], {}, 2 ** 60, -91, 181, 15];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const keys = Object.keys(copy);
  const action = random();
  const key = pick(keys);
  const slot = copy[key];
  if (action < 0.15) delete copy[key];
  else if (action < 0.25) copy.extra = 1;
  else if (Array.isArray(slot) && action < 0.7) {
    const h = Math.floor(random() * slot.length);
    slot[h] = random() < 0.5 ? pick(odd) : (slot[h] as number) + Math.floor(random() * 5);
    if (random() < 0.2) slot.pop();
  } else copy[key] = pick(odd);
  return copy;
}

describe("the fast checks of flights context values", () => {
  it("take every value of the committed context, which zod accepts unchanged", () => {
    for (const kind of kinds) {
      const values = entries.filter((e) => e.key.startsWith(kind.prefix)).map((e) => JSON.parse(e.value) as unknown);
      expect(values.length).toBeGreaterThan(10);
      for (const v of values) {
        expect(kind.fast(v), JSON.stringify(v)).toBe(true);
        expect(zodOnly(kind.schema, v)).toEqual(v);
      }
    }
  });

  it("give readValue exactly zod's answer on seeded mutations", () => {
    const random = prng(16);
    let fast = 0;
    let total = 0;
    for (const kind of kinds) {
      const values = entries.filter((e) => e.key.startsWith(kind.prefix)).slice(0, 40);
      for (const e of values)
        for (let n = 0; n < 25; n++) {
          const v = mutate(JSON.parse(e.value), random);
          total++;
          if (kind.fast(v)) fast++;
          const got = readValue(() => v, e.key, kind.schema);
          expect(got, JSON.stringify(v)).toEqual(zodOnly(kind.schema, v));
        }
    }
    // Both paths were exercised.
    expect(fast).toBeGreaterThan(50);
    expect(total - fast).toBeGreaterThan(500);
  });
});
