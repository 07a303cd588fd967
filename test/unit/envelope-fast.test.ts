/**
 * The hand-written envelope checks (src/core/codecs/envelope-fast.ts) against zod's schemas, the
 * reference: whatever the fast check accepts, zod accepts with the same fields; the common valid
 * envelopes do take the fast path; and every body of the case table and of a seeded set of
 * mutations gets from `parseEnvelope` exactly what zod alone gives (the same data, or the same
 * error message).
 */
import { describe, expect, it } from "vitest";
import { prng } from "../../model/lib/prng.ts";
import { isPlainV1, isPlainV2 } from "../../src/core/codecs/envelope-fast.ts";
import {
  firstIssue,
  formatPath,
  parseEnvelope,
  V1PredictRequest,
  V2InferRequest,
} from "../../src/core/codecs/schemas.ts";
import { CASES } from "../support/cases.ts";

const tensor = (name: string, shape: unknown, data: unknown, datatype: unknown = "FP32") => ({
  name,
  shape,
  datatype,
  data,
});
const v1Valid: unknown[] = [
  { instances: [{ features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] }] },
  { instances: [[1, 2]], signature_name: "serving_default" },
  { inputs: { features: [[1, 2, 3, 4]] } },
  { inputs: 0 },
  { inputs: null },
  { instances: [{ date: "2015-06-01", month: 6 }], as_of: "2015-06-01T06:00:00-08:00", context: true },
];
const v2Valid: unknown[] = [
  { inputs: [tensor("features", [1, 4], [0.1, 0.2, 0.3, 0.4])] },
  { id: "r-1", parameters: {}, inputs: [tensor("x", [], 3, "INT32")], outputs: [{ name: "y" }] },
  { inputs: [{ ...tensor("s", [1], ["a"], "BYTES"), parameters: { content_type: "str" } }], outputs: [] },
];

/** zod alone: the data, or the message parseEnvelope would throw. */
function reference(schema: typeof V1PredictRequest | typeof V2InferRequest, body: unknown) {
  const result = schema.safeParse(body);
  if (result.success) return { data: result.data };
  const issue = firstIssue(result.error.issues);
  return { error: `${formatPath(issue.path)}: ${issue.message}` };
}

function viaParse(schema: typeof V1PredictRequest | typeof V2InferRequest, body: unknown) {
  try {
    return { data: parseEnvelope(schema as never, body) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Seeded mutations of a valid body: fields dropped, retyped, added, nested values swapped. */
function mutations(base: unknown, seed: number, count: number): unknown[] {
  const random = prng(seed);
  const odd: unknown[] = [
    undefined,
    null,
    -1,
    1.5,
    0,
    "",
    "x",
    true,
    [],
    {},
    [1],
    { a: 1 },
    Number.NaN,
    2 ** 60,
    "FP32",
    "FLOAT",
  ];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const out: unknown[] = [];
  for (let n = 0; n < count; n++) {
    const body = structuredClone(base) as Record<string, unknown>;
    // Walk to a random object/array inside the body and change one slot.
    let at: Record<string, unknown> | unknown[] = body;
    for (let depth = 0; depth < 3; depth++) {
      const keys = Object.keys(at);
      const next = keys.length > 0 ? (at as Record<string, unknown>)[pick(keys)] : undefined;
      if (typeof next !== "object" || next === null || random() < 0.3) break;
      at = next as Record<string, unknown> | unknown[];
    }
    const keys = Object.keys(at);
    const action = random();
    if (Array.isArray(at)) {
      // As JSON can: an element changed, appended or removed (no holes, no named properties).
      if (action < 0.3 && at.length > 0) at.splice(Math.floor(random() * at.length), 1);
      else if (action < 0.5) at.push(pick(odd));
      else if (at.length > 0) at[Math.floor(random() * at.length)] = pick(odd);
    } else if (action < 0.3 && keys.length > 0) delete at[pick(keys)];
    else if (action < 0.5) at[pick(["extra_field", "id", "outputs", "parameters", "instances", "inputs"])] = pick(odd);
    else if (keys.length > 0) at[pick(keys)] = pick(odd);
    out.push(body);
  }
  return out;
}

describe("the fast envelope checks", () => {
  it("take the common valid envelopes, and zod agrees on each", () => {
    for (const body of v1Valid) {
      expect(isPlainV1(body), JSON.stringify(body)).toBe(true);
      expect(reference(V1PredictRequest, body)).toEqual({ data: body });
    }
    for (const body of v2Valid) {
      expect(isPlainV2(body), JSON.stringify(body)).toBe(true);
      expect(reference(V2InferRequest, body)).toEqual({ data: body });
    }
  });

  it("leave to zod what they do not check: other prototypes, undefined optionals, extra output fields", () => {
    expect(isPlainV1(Object.assign(Object.create({ inherited: 1 }), { instances: [1] }))).toBe(false);
    expect(isPlainV1({ instances: [1], signature_name: undefined })).toBe(false);
    expect(isPlainV2({ inputs: [tensor("x", [1], [1])], outputs: [{ name: "y", extra: 1 }] })).toBe(false);
    expect(isPlainV2({ inputs: [tensor("x", [1], [1])], id: undefined })).toBe(false);
  });

  it("give parseEnvelope exactly zod's answer on the case table and on seeded mutations", () => {
    // The case table nests arrays thousands deep; JSON.stringify of those overflows the stack.
    const label = (body: unknown) => {
      try {
        return JSON.stringify(body).slice(0, 200);
      } catch {
        return "(a body too deeply nested to print)";
      }
    };
    const bodies = (p: "v1" | "v2") =>
      CASES.flatMap((c) => {
        const b = c[p]?.body;
        if (b === undefined) return [];
        if (typeof b !== "string") return [b];
        try {
          return [JSON.parse(b) as unknown];
        } catch {
          return [];
        }
      });
    const v1 = [...v1Valid, ...bodies("v1"), ...v1Valid.flatMap((b, i) => mutations(b, 100 + i, 150))];
    const v2 = [...v2Valid, ...bodies("v2"), ...v2Valid.flatMap((b, i) => mutations(b, 200 + i, 150))];
    let fast = 0;
    for (const body of v1) {
      if (isPlainV1(body)) fast++;
      expect(viaParse(V1PredictRequest, body), label(body)).toEqual(reference(V1PredictRequest, body));
    }
    for (const body of v2) {
      if (isPlainV2(body)) fast++;
      expect(viaParse(V2InferRequest, body), label(body)).toEqual(reference(V2InferRequest, body));
    }
    // Both paths were exercised: many bodies took the fast path, many went to zod.
    expect(fast).toBeGreaterThan(100);
    expect(v1.length + v2.length - fast).toBeGreaterThan(100);
  });
});
