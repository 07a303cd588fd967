/**
 * Property-based fuzzing of the HTTP API inside workerd (fast-check, fixed seed). For arbitrary
 * and near-valid v1/v2 bodies, raw bytes, lying headers, keys and paths, every answer:
 * is not a 5xx, is JSON, is `{"error": string}` when it is an error, carries no stack trace,
 * and leaves tf.memory() (tensors and bytes) where it was before the request.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { app } from "../../src/http/app.ts";
import { envWith } from "../support/app-with.ts";
import * as f from "../support/fuzz.ts";

/** Fixed, so CI runs the same cases; change it locally to explore (a failure prints its seed and path). */
const SEED = 20260426;
const RUNS = 2000;
const KEYS = ["fuzz-key-0123456789", "fuzz-key-abcdefghij"];
const BASE = "http://serve.test";
const open = envWith({});
const keyed = envWith({ API_KEYS: KEYS.join(",") });
const stats = { cases: 0, statuses: {} as Record<number, number>, started: 0 };

interface Memory {
  numTensors: number;
  numBytes: number;
}
let baseline: Memory;

async function memory(): Promise<Memory> {
  const res = await app.request(`${BASE}/_internal/memory`, {}, open);
  const { numTensors, numBytes } = (await res.json()) as Memory;
  return { numTensors, numBytes };
}

/** Sends one request and checks the invariants; returns the status. */
async function send(
  method: string,
  path: string,
  body?: BodyInit,
  headers: Record<string, string> = {},
  bindings = open,
): Promise<number> {
  let request: Request;
  try {
    request = new Request(`${BASE}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  } catch {
    fc.pre(false); // the client side cannot even build this request (e.g. an invalid header value)
    throw new Error("unreachable");
  }
  const res = await app.request(request, undefined, bindings);
  const answer = { status: res.status, text: await res.text(), contentType: res.headers.get("content-type") };
  stats.cases++;
  stats.statuses[answer.status] = (stats.statuses[answer.status] ?? 0) + 1;
  const sent = `${path} ${JSON.stringify(headers)} ${typeof body === "string" ? body : ""}`;
  const problem = f.problemWith(answer, sent);
  if (problem) throw new Error(`${method} ${path}: ${problem}`);
  expect(await memory(), `tf.memory() after ${method} ${path}`).toEqual(baseline);
  return answer.status;
}

const asBody = (value: unknown): string | undefined => (value === undefined ? undefined : JSON.stringify(value));
const JSON_TYPE = { "content-type": "application/json" };
const check = <T extends unknown[]>(property: fc.IAsyncPropertyWithHooks<T>) =>
  fc.assert(property, { seed: SEED, numRuns: RUNS });

beforeAll(async () => {
  stats.started = Date.now();
  vi.spyOn(console, "debug").mockImplementation(() => {}); // the open-access line, once per request
  // Load every model version once, so a memoised model's weights count in the baseline.
  expect((await app.request(`${BASE}/v2/repository/index`, { method: "POST" }, open)).status).toBe(200);
  baseline = await memory();
  console.log(`fuzz: fast-check seed ${SEED}, ${RUNS} runs per property, baseline ${JSON.stringify(baseline)}`);
});

afterAll(() => {
  vi.restoreAllMocks();
  console.log(
    `fuzz: ${stats.cases} requests in ${((Date.now() - stats.started) / 1000).toFixed(1)} s, statuses ${JSON.stringify(stats.statuses)}`,
  );
});

describe("fuzzing the HTTP API", () => {
  it("starts its mutations from requests that are valid", async () => {
    for (const valid of f.VALID)
      expect(await send("POST", valid.path, asBody(valid.body), JSON_TYPE), valid.path).toBe(200);
  });

  it("v1 predict: arbitrary JSON bodies", async () => {
    await check(
      fc.asyncProperty(fc.constantFrom(...f.V1_PATHS), f.v1Body, async (path, body) => {
        await send("POST", path, asBody(body), JSON_TYPE);
      }),
    );
  });

  it("v2 infer: arbitrary JSON bodies", async () => {
    await check(
      fc.asyncProperty(fc.constantFrom(...f.V2_PATHS), f.v2Body, async (path, body) => {
        await send("POST", path, asBody(body), JSON_TYPE);
      }),
    );
  });

  it("v1 and v2: near-valid bodies (one mutation of a valid request)", async () => {
    await check(
      fc.asyncProperty(
        fc.constantFrom(...f.VALID),
        fc.array(f.mutation, { minLength: 1, maxLength: 2 }),
        async (valid, mutations) => {
          const body = mutations.reduce<unknown>((b, m) => f.mutate(b, m), valid.body);
          await send("POST", valid.path, asBody(body), JSON_TYPE);
        },
      ),
    );
  });

  it("raw bodies under arbitrary content types and lying content lengths", async () => {
    const length = fc.option(f.contentLength, { nil: undefined });
    await check(
      fc.asyncProperty(
        fc.constantFrom(...f.V1_PATHS, ...f.V2_PATHS),
        f.rawBody,
        f.contentType,
        length,
        async (path, raw, type, declared) => {
          const headers: Record<string, string> = { "content-type": type };
          if (declared !== undefined) headers["content-length"] = declared;
          await send("POST", path, raw as BodyInit, headers);
        },
      ),
    );
  });

  it("Authorization: exactly a configured key gets in, everything else is a 401", async () => {
    const header = fc.oneof(
      fc.constantFrom(...KEYS).map((k) => `Bearer ${k}`),
      fc
        .tuple(fc.constantFrom(...KEYS), fc.nat(), f.printable(2))
        .map(([k, at, s]) => `Bearer ${k.slice(0, at % k.length)}${s}${k.slice((at % k.length) + 1)}`),
      fc
        .tuple(
          fc.constantFrom("Bearer", "bearer", "BEARER", "Basic", "Token", ""),
          fc.constantFrom(" ", "  ", "\t", ""),
          f.printable(30),
        )
        .map(([s, sp, t]) => `${s}${sp}${t}`),
      f.printable(40),
    );
    await check(
      fc.asyncProperty(
        fc.option(header, { nil: undefined }),
        fc.constantFrom(...f.VALID),
        async (authorization, valid) => {
          const headers: Record<string, string> = { ...JSON_TYPE };
          if (authorization !== undefined) headers.authorization = authorization;
          const status = await send("POST", valid.path, asBody(valid.body), headers, keyed);
          const token = /^bearer[ \t]+(.+)$/i.exec(authorization ?? "")?.[1]?.trim();
          expect(status, String(authorization)).toBe(token !== undefined && KEYS.includes(token) ? 200 : 401);
        },
      ),
    );
  });

  it("paths: arbitrary segments under /v1/models and /v2/models, GET and POST", async () => {
    const tail = fc.constantFrom("", ":predict", "/metadata", "/infer", "/ready", ":regress");
    await check(
      fc.asyncProperty(
        fc.constantFrom("/v1/models/", "/v2/models/"),
        fc.array(f.segment, { maxLength: 5 }),
        tail,
        fc.constantFrom("GET", "POST"),
        fc.constantFrom(...f.VALID),
        async (prefix, segments, suffix, method, valid) => {
          const path = `${prefix}${segments.join("/")}${suffix}`;
          await send(
            method,
            path,
            method === "POST" ? asBody(valid.body) : undefined,
            method === "POST" ? JSON_TYPE : {},
          );
        },
      ),
    );
  });
});
