/** The shared case table through v1 and v2 inside workerd: status, JSON error, no stack traces. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CASES, type ProtocolRequest } from "../support/cases.ts";
import { client } from "../support/client.ts";

const api = client((url, init) => exports.default.fetch(url, init));

const runs = CASES.flatMap((c) =>
  (["v1", "v2"] as const).flatMap((protocol) => {
    const request = c[protocol];
    return request ? [[`${protocol}: ${c.name}`, c, request] as const] : [];
  }),
);

describe("case table", () => {
  it.each(runs)("%s", async (_label, c, request: ProtocolRequest) => {
    const res = await api.call(request.method ?? "POST", request.path, request.body, request.headers);
    expect(res.status, res.text.slice(0, 300)).toBe(c.status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    if (c.error) {
      expect(Object.keys(res.json)).toEqual(["error"]);
      expect(res.json.error).toMatch(c.error);
      expect(res.text).not.toMatch(/\n\s+at |\.ts:\d+/);
      // Bounded: whatever the client sent, an error stays a short message.
      expect(res.text.length).toBeLessThan(1200);
    }
  });
});
