/** Access control, rate limiting and CORS, through the HTTP app inside workerd. */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bearerToken, digestsEqual } from "../../src/http/middleware/auth.ts";
import { appWith } from "../support/app-with.ts";

const KEYS = { API_KEYS: " alpha-key-0123456789 , beta-key-9876543210 " };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const row = { features: [0.1, 0.2, 0.3, 0.4], extra: [1, 2] };
const PREDICT = "/v1/models/tiny_layers:predict";

function expectJsonError(res: { status: number; json: unknown; text: string }, status: number, message: RegExp) {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.json as object)).toEqual(["error"]);
  expect((res.json as { error: string }).error).toMatch(message);
}

/** A fake Rate Limiting binding: records the keys it is asked about, answers `success`. */
function limiter(success: boolean | (() => never)) {
  const keys: string[] = [];
  return {
    keys,
    binding: {
      limit: async ({ key }: { key: string }) => {
        keys.push(key);
        if (typeof success === "function") success();
        return { success: success as boolean };
      },
    },
  };
}

afterEach(() => vi.restoreAllMocks());

describe("with API_KEYS set", () => {
  const api = appWith(KEYS);

  it("refuses a request without a key: 401, JSON error, WWW-Authenticate: Bearer", async () => {
    const res = await api.get("/v2/models/tiny_layers");
    expectJsonError(res, 401, /^missing API key: send 'Authorization: Bearer <key>'$/);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="stateless-serve"');
  });

  it("refuses a wrong key, a prefix or extension of a key, and other schemes", async () => {
    for (const header of [
      bearer("gamma-key"),
      bearer("alpha-key-012345678"),
      bearer("alpha-key-01234567890"),
      { authorization: "Basic YWxwaGE6" },
    ]) {
      const res = await api.call("GET", "/v2/models/tiny_layers", undefined, header);
      expect(res.status, JSON.stringify(header)).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="stateless-serve"/);
    }
    const wrong = await api.call("GET", "/v2", undefined, bearer("gamma-key"));
    expectJsonError(wrong, 401, /^invalid API key$/);
    expect(wrong.headers.get("www-authenticate")).toBe('Bearer realm="stateless-serve", error="invalid_token"');
  });

  it("serves every configured key (trimmed), with the scheme in any case", async () => {
    for (const header of [
      bearer("alpha-key-0123456789"),
      bearer("beta-key-9876543210"),
      { authorization: "bearer  beta-key-9876543210 " },
    ]) {
      const res = await api.post(PREDICT, { instances: [row] }, header);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("x-auth")).toBeNull();
    }
  });

  it("checks the key before reading the body", async () => {
    expect((await api.post(PREDICT, "{not json")).status).toBe(401);
    expect((await api.post(PREDICT, "{not json", bearer("alpha-key-0123456789"))).status).toBe(400);
  });

  it("keeps the health routes open and nothing else, not even unknown routes", async () => {
    expect((await api.get("/v2/health/live")).status).toBe(200);
    expect((await api.get("/v2/health/ready")).status).toBe(200);
    for (const path of [
      "/",
      "/v2",
      "/v1/models/tiny_layers",
      "/v2/repository/index",
      "/_internal/memory",
      "/nowhere",
      "/v2/health/live/x",
      "/v2/health",
    ]) {
      expect((await api.get(path)).status, path).toBe(401);
    }
  });

  it("answers 500 'misconfigured' when API_KEYS is set but holds no key (fails closed)", async () => {
    expectJsonError(
      await appWith({ API_KEYS: " , ," }).get("/v2"),
      500,
      /server misconfigured: API_KEYS holds no keys/,
    );
  });
});

describe("with API_KEYS unset", () => {
  it("serves openly, says so in an x-auth header and in the request's one log line", async () => {
    const debug = vi.spyOn(console, "debug").mockImplementation(() => {});
    const info = vi.spyOn(console, "log").mockImplementation(() => {});
    for (const api of [appWith({ API_KEYS: undefined }), appWith({ API_KEYS: "" })]) {
      const res = await api.post(PREDICT, { instances: [row] });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("x-auth")).toBe("open");
      expect((await api.get("/nowhere")).headers.get("x-auth")).toBe("open"); // errors too
    }
    expect(debug).not.toHaveBeenCalled(); // no second line per request
    const lines = info.mock.calls.map((args) => JSON.parse(String(args[0])));
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => [l.event, l.auth, l.path, l.status])).toEqual([
      ["request", "open", PREDICT, 200],
      ["request", "open", "/nowhere", 404],
      ["request", "open", PREDICT, 200],
      ["request", "open", "/nowhere", 404],
    ]);
  });
});

describe("rate limiting", () => {
  it("keys the limit by a digest of the API key (never the key) or by client address", async () => {
    const fake = limiter(true);
    await appWith({ ...KEYS, RATE_LIMITER: fake.binding }).call(
      "GET",
      "/v2",
      undefined,
      bearer("alpha-key-0123456789"),
    );
    await appWith({ ...KEYS, RATE_LIMITER: fake.binding }).call("GET", "/v2", undefined, bearer("beta-key-9876543210"));
    await appWith({ RATE_LIMITER: fake.binding }).call("GET", "/v2", undefined, { "cf-connecting-ip": "203.0.113.9" });
    await appWith({ RATE_LIMITER: fake.binding }).get("/v2");
    expect(fake.keys[0]).toMatch(/^key:[0-9a-f]{12}$/);
    expect(fake.keys[1]).toMatch(/^key:[0-9a-f]{12}$/);
    expect(fake.keys[1]).not.toBe(fake.keys[0]);
    expect(fake.keys.slice(2)).toEqual(["ip:203.0.113.9", "ip:unknown"]);
  });

  it("answers 429 with Retry-After set to RATE_LIMIT_PERIOD when the limiter says no", async () => {
    const fake = limiter(false);
    const res = await appWith({ ...KEYS, RATE_LIMITER: fake.binding }).post(
      PREDICT,
      { instances: [row] },
      bearer("alpha-key-0123456789"),
    );
    expectJsonError(res, 429, /^rate limit exceeded for this API key; retry after 60 seconds$/);
    expect(res.headers.get("retry-after")).toBe("60");
    const ten = await appWith({ RATE_LIMITER: fake.binding, RATE_LIMIT_PERIOD: "10" }).get("/v2");
    expectJsonError(ten, 429, /for this client address; retry after 10 seconds/);
    expect(ten.headers.get("retry-after")).toBe("10");
  });

  it("counts failed authentication against the client address: 401 under the limit, 429 over it", async () => {
    const ip = { "cf-connecting-ip": "198.51.100.7" };
    const under = limiter(true);
    const open = appWith({ ...KEYS, RATE_LIMITER: under.binding });
    expect((await open.call("GET", "/v2", undefined, ip)).status).toBe(401);
    expect((await open.call("GET", "/v2", undefined, { ...ip, ...bearer("guess-1") })).status).toBe(401);
    expect(under.keys).toEqual(["ip:198.51.100.7", "ip:198.51.100.7"]);

    const over = limiter(false);
    const api = appWith({ ...KEYS, RATE_LIMITER: over.binding });
    for (const headers of [ip, { ...ip, ...bearer("guess-2") }]) {
      const res = await api.call("POST", PREDICT, { instances: [row] }, headers);
      expectJsonError(res, 429, /^rate limit exceeded for this client address; retry after 60 seconds$/);
      expect(res.headers.get("retry-after")).toBe("60");
    }
    // The health routes stay open and unlimited.
    expect((await api.get("/v2/health/live")).status).toBe(200);
    expect(over.keys).toEqual(["ip:198.51.100.7", "ip:198.51.100.7"]);
  });

  it("serves without a limit when the binding is absent or failing (and logs the failure)", async () => {
    expect((await appWith({ RATE_LIMITER: undefined }).get("/v2")).status).toBe(200);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const broken = limiter(() => {
      throw new Error("limiter unreachable");
    });
    expect((await appWith({ RATE_LIMITER: broken.binding }).get("/v2")).status).toBe(200);
    expect(log.mock.calls.map((a) => JSON.parse(String(a[0])).event)).toContain("rate_limit_unavailable");
  });

  it("uses the RATE_LIMITER binding from wrangler.toml (simulated by Miniflare)", async () => {
    expect(typeof (env as unknown as { RATE_LIMITER?: { limit?: unknown } }).RATE_LIMITER?.limit).toBe("function");
    expect((await appWith().get("/v2")).status).toBe(200);
  });

  it("rejects a RATE_LIMIT_PERIOD the binding cannot have", async () => {
    expectJsonError(
      await appWith({ RATE_LIMIT_PERIOD: "30" }).get("/v2"),
      500,
      /RATE_LIMIT_PERIOD must be 10 or 60, got 30/,
    );
  });
});

describe("CORS", () => {
  const origin = (o: string, extra: Record<string, string> = {}) => ({ origin: o, ...extra });

  it("sends no CORS headers by default, and does not answer preflights", async () => {
    const api = appWith({ CORS_ORIGINS: "" });
    expect(
      (await api.call("GET", "/v2", undefined, origin("https://app.example"))).headers.get(
        "access-control-allow-origin",
      ),
    ).toBeNull();
    const preflight = await api.call(
      "OPTIONS",
      PREDICT,
      undefined,
      origin("https://app.example", { "access-control-request-method": "POST" }),
    );
    expect(preflight.status).toBe(404);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows the listed origins only, on answers and errors, and preflights without a key", async () => {
    const api = appWith({ ...KEYS, CORS_ORIGINS: "https://app.example, https://b.example" });
    const denied = await api.call("GET", "/v2", undefined, origin("https://app.example"));
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(denied.headers.get("access-control-expose-headers")).toMatch(/Retry-After/);
    expect(denied.headers.get("vary")).toMatch(/Origin/);
    const other = await api.call("GET", "/v2", undefined, origin("https://evil.example"));
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await api.call(
      "OPTIONS",
      PREDICT,
      undefined,
      origin("https://b.example", { "access-control-request-method": "POST" }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://b.example");
    // What browsers need for the v2 binary extension, compressed bodies and tracing (tritonclient's headers).
    expect(preflight.headers.get("access-control-allow-headers")?.split(",")).toEqual([
      "Authorization",
      "Content-Type",
      "Content-Encoding",
      "Inference-Header-Content-Length",
      "x-request-id",
      "traceparent",
    ]);
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    expect(denied.headers.get("access-control-expose-headers")?.split(",")).toContain(
      "Inference-Header-Content-Length",
    );
  });

  it("allows any origin with '*', and refuses a value that is not an origin", async () => {
    const any = await appWith({ CORS_ORIGINS: "*" }).call("GET", "/v2", undefined, origin("https://x.example"));
    expect(any.headers.get("access-control-allow-origin")).toBe("*");
    expectJsonError(
      await appWith({ CORS_ORIGINS: "app.example" }).get("/v2"),
      500,
      /CORS_ORIGINS: 'app\.example' is not an origin/,
    );
  });
});

describe("key comparison", () => {
  it("uses workerd's crypto.subtle.timingSafeEqual on equal-length digests", () => {
    expect(typeof (crypto.subtle as { timingSafeEqual?: unknown }).timingSafeEqual).toBe("function");
    const a = new Uint8Array(32).fill(7);
    const b = a.slice();
    expect(digestsEqual(a, b)).toBe(true);
    b[31] = 8;
    expect(digestsEqual(a, b)).toBe(false);
    expect(digestsEqual(a, a.subarray(0, 31))).toBe(false);
  });

  it("reads only the Bearer scheme", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("BEARER \t abc ")).toBe("abc");
    for (const header of [undefined, "", "Bearer", "Bearer    ", "Basic abc", "Bearerabc", "Token abc"])
      expect(bearerToken(header)).toBeUndefined();
  });
});
