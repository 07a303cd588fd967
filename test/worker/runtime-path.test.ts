/**
 * The execution path per version (src/runtime/lean, RUNTIME_FAST_PATH): v2 metadata says which
 * path serves a version, and the whole case table answers alike with the lean path on and off:
 * the same statuses and error messages, and numbers within 1e-6 (relative, absolute below 1).
 * Both configurations run in the same isolate, so this also shows the model memo keeps them apart.
 */
import { describe, expect, it } from "vitest";
import { appWith } from "../support/app-with.ts";
import { CASES, type ProtocolRequest } from "../support/cases.ts";

const on = appWith({ RUNTIME_FAST_PATH: "on" });
const off = appWith({ RUNTIME_FAST_PATH: "off" });

/** Paths where `a` and `b` differ: structure exactly, numbers within 1e-6 * max(1, |b|). */
function differences(a: unknown, b: unknown, path = "$"): string[] {
  if (typeof a === "number" && typeof b === "number")
    return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)) ? [] : [`${path}: ${a} vs ${b}`];
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length ? a.flatMap((v, i) => differences(v, b[i], `${path}[${i}]`)) : [`${path}: length`];
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = Object.keys(a);
    if (keys.join() !== Object.keys(b).join()) return [`${path}: keys ${keys} vs ${Object.keys(b)}`];
    return keys.flatMap((k) => differences((a as never)[k], (b as never)[k], `${path}.${k}`));
  }
  return Object.is(a, b) ? [] : [`${path}: ${String(a)} vs ${String(b)}`];
}

describe("RUNTIME_FAST_PATH", () => {
  it("reports the path per version in v2 metadata", async () => {
    const runtime = async (api: typeof on, model: string) =>
      (await api.get(`/v2/models/${model}`)).json.parameters?.runtime;
    for (const model of ["tiny_layers", "tiny_graph", "flights"]) {
      expect(await runtime(on, model), model).toBe("lean");
      expect(await runtime(off, model), model).toBe("tfjs");
    }
    expect(await runtime(on, "tiny_text")).toBe("tfjs");
    expect(await runtime(on, "tiny_detect")).toBe("tfjs");
  });

  const runs = CASES.flatMap((c) =>
    (["v1", "v2"] as const).flatMap((protocol) =>
      c[protocol] ? [[`${protocol}: ${c.name}`, c[protocol]!] as const] : [],
    ),
  );
  it.each(runs)("%s answers alike on both paths", async (_label, request: ProtocolRequest) => {
    const send = (api: typeof on) => api.call(request.method ?? "POST", request.path, request.body, request.headers);
    const [lean, tfjs] = [await send(on), await send(off)];
    expect(lean.status).toBe(tfjs.status);
    if (lean.status >= 400) expect(lean.json).toEqual(tfjs.json);
    else if ((lean.headers.get("content-type") ?? "").includes("json"))
      expect(differences(lean.json, tfjs.json)).toEqual([]);
    else expect(lean.text).toBe(tfjs.text);
  });
});
