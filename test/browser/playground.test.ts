/**
 * The playground and the docs page in headless Chromium (Debian's `chromium`, driven by
 * playwright-core; no browser download), against the built bundle under Miniflare with the
 * production config, listening on loopback, with the flights context in its local KV.
 * Any request that leaves loopback is blocked and fails the test. Screenshots go to
 * test-artifacts/ (gitignored).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { putAll, readEntries } from "../../scripts/local-context.ts";
import { FLIGHT } from "../../src/http/openapi/examples.ts";
import { contextKeys, parseFlight } from "../../src/pipelines/flights/index.ts";
import { serverOptions } from "../e2e/worker.ts";
import { DEMO_CONTEXT, publishWithContext } from "../support/context-model.ts";

const ARTIFACTS = "test-artifacts";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const state = mkdtempSync(join(tmpdir(), "stateless-serve-browser-"));
let mf: Miniflare;
let base: string;
let browser: Browser;
let page: Page;
let offLoopback: string[] = [];
let pageErrors: string[] = [];

beforeAll(async () => {
  mf = new Miniflare({
    ...serverOptions(),
    host: "127.0.0.1",
    port: 0,
    defaultPersistRoot: state,
  } as ConstructorParameters<typeof Miniflare>[0]);
  base = (await mf.ready).origin;
  const wanted = new Set(contextKeys(parseFlight(FLIGHT)));
  await putAll(
    await mf.getKVNamespace("CONTEXT"),
    readEntries().filter((e) => wanted.has(e.key)),
  );
  browser = await chromium.launch({
    executablePath: inject("chromiumPath"),
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await mf?.dispose();
  rmSync(state, { recursive: true, force: true });
});

beforeEach(async () => {
  offLoopback = [];
  pageErrors = [];
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (LOOPBACK.has(url.hostname)) return route.continue();
    offLoopback.push(url.href);
    return route.abort("blockedbyclient");
  });
  page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  page.on("console", (msg) => {
    // A refused request logs "Failed to load resource … 4xx" by itself; the tests assert those answers.
    if (
      msg.type() === "error" &&
      !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())
    )
      pageErrors.push(msg.text());
  });
});
afterEach(async () => {
  await page?.context().close();
  expect(offLoopback, "requests that left loopback").toEqual([]);
  expect(pageErrors, "errors in the page").toEqual([]);
});

/** A bundled fixture version's files, from model/artifacts. */
function loadFixture(model: string, version: number): Record<string, ArrayBuffer> {
  const dir = join("model/artifacts", model, String(version));
  return Object.fromEntries(
    readdirSync(dir).map((file) => {
      const bytes = readFileSync(join(dir, file));
      return [file, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer];
    }),
  );
}

/** The API's own answer to the request the page sends, for comparison. */
async function apiPredict(row: Record<string, unknown>) {
  const res = await fetch(`${base}/v1/models/flights:predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ instances: [row] }),
  });
  return {
    status: res.status,
    version: res.headers.get("x-model-version"),
    timing: res.headers.get("server-timing"),
    json: (await res.json()) as any,
  };
}

async function openPlayground() {
  await page.goto(`${base}/`);
  await page.waitForSelector("body[data-ready=true]");
}

describe("the playground at /", () => {
  it("predicts the README flight from a form built from the metadata: the probability, its KV context, the version and the timings", async () => {
    await openPlayground();
    expect(await page.locator("#model").inputValue()).toBe("flights");
    // One labelled field per input the metadata names, with its description as the hint.
    const fields = await page
      .locator("#fields [data-field]")
      .evaluateAll((nodes) =>
        nodes.map((n) => [n.getAttribute("data-field"), n.getAttribute("data-datatype"), n.getAttribute("type")]),
      );
    expect(fields).toEqual([
      ["origin", "BYTES", "text"],
      ["destination", "BYTES", "text"],
      ["departure", "BYTES", "text"],
      ["distance", "FP32", "number"],
    ]);
    expect(await page.locator("label[for=field-departure]").textContent()).toContain("local wall time");
    await page.locator("#field-origin").fill(FLIGHT.origin);
    await page.locator("#field-destination").fill(FLIGHT.destination);
    await page.locator("#field-departure").fill(FLIGHT.departure);
    await page.locator("#field-distance").fill(String(FLIGHT.distance));
    await page.getByRole("button", { name: "Predict" }).click();
    await page.waitForSelector("[data-output=delay_probability]");

    const expected = await apiPredict(FLIGHT);
    expect(expected.status).toBe(200);
    const prediction = expected.json.predictions[0];
    expect(await page.locator("[data-output=delay_probability]").textContent()).toBe(
      String(prediction.delay_probability),
    );
    expect(await page.locator("[data-output=delayed]").textContent()).toBe(String(prediction.delayed));

    // The context block: shown, and holding what KV gave (not the defaults of a missing context).
    expect(prediction.context.missing).toEqual([]);
    await expect.poll(() => page.locator("#context-block").isVisible()).toBe(true);
    const contextText = (await page.locator("#context").textContent()) ?? "";
    expect(contextText).toContain(JSON.stringify(prediction.context.origin));
    expect(contextText).toContain(JSON.stringify(prediction.context.route));

    expect(await page.locator("#version-used").textContent()).toBe(expected.version);
    expect(await page.locator("#rtt").textContent()).toMatch(/^\d+(\.\d)? ms/);
    const timings = (await page.locator("#timings").textContent()) ?? "";
    if (expected.timing) {
      for (const entry of expected.timing.split(",")) expect(timings).toContain(entry.split(";")[0]!.trim());
    } else {
      expect(timings).toBe("not sent by this server");
    }
    await page.screenshot({ path: join(ARTIFACTS, "playground-flights.png"), fullPage: true });
  });

  it("shows the API's own message when the API refuses the input", async () => {
    await openPlayground();
    await page.locator("#field-origin").fill("SFO");
    await page.locator("#field-destination").fill("SFO");
    await page.locator("#field-departure").fill(FLIGHT.departure);
    await page.locator("#field-distance").fill(String(FLIGHT.distance));
    await page.getByRole("button", { name: "Predict" }).click();
    await page.waitForSelector("#error:not([hidden])");
    const refused = await apiPredict({ ...FLIGHT, destination: "SFO" });
    expect(refused.status).toBe(400);
    expect(await page.locator("#error").textContent()).toBe(refused.json.error);
    expect(await page.getByRole("alert").textContent()).toMatch(
      /instances\[0\]\.destination: expected an airport other than the origin/,
    );
  });

  it("builds a v2 request from another model's metadata and shows its outputs and version", async () => {
    await openPlayground();
    await page.locator("#model").selectOption("tiny_layers");
    await page.locator("#version").selectOption("v:1");
    await expect.poll(() => page.locator("#body").inputValue()).toContain('"name":"features"');
    const body = JSON.parse(await page.locator("#body").inputValue());
    expect(body.inputs.map((i: { name: string; shape: number[] }) => [i.name, i.shape])).toEqual([
      ["features", [1, 4]],
      ["extra", [1, 2]],
    ]);
    await page.getByRole("button", { name: "Predict" }).click();
    await page.waitForSelector("#prediction table");
    const direct = await fetch(`${base}/v2/models/tiny_layers/versions/1/infer`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
    const answer = (await direct.json()) as { outputs: Array<{ name: string; data: unknown[] }> };
    const shown = await page.locator("#prediction tbody tr").allTextContents();
    expect(shown).toHaveLength(answer.outputs.length);
    answer.outputs.forEach((o, i) => expect(shown[i]).toContain(JSON.stringify(o.data)));
    expect(await page.locator("#version-used").textContent()).toBe("1");
    await page.screenshot({ path: join(ARTIFACTS, "playground-tiny-layers.png"), fullPage: true });
  });
});

describe("the playground with a malformed pointer record", () => {
  it("lists the other models and shows the broken one as unavailable, with the reason", async () => {
    const registry = await mf.getKVNamespace("REGISTRY");
    await registry.put("model:broken_record", "{ not json");
    try {
      await openPlayground();
      expect(await page.locator("#model").inputValue()).toBe("flights");
      const broken = page.locator('#model option[value="broken_record"]');
      expect(await broken.textContent()).toBe("broken_record (unavailable)");
      expect(await broken.isDisabled()).toBe(true);
      expect(await broken.getAttribute("title")).toMatch(/record for model 'broken_record' is not valid JSON/);
      const names = await page
        .locator("#model option")
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("value")));
      expect(names).toEqual(expect.arrayContaining(["flights", "tiny_layers", "broken_record"]));
    } finally {
      await registry.delete("model:broken_record");
    }
  });
});

describe("the playground with a model that declares its context", () => {
  it("builds the form from the declared fields and shows each lookup's status", async () => {
    const kv = await mf.getKVNamespace("REGISTRY");
    const bucket = await mf.getR2Bucket("MODELS");
    await publishWithContext(
      { kv, bucket: { put: (key, value) => bucket.put(key, new Uint8Array(value)) }, load: loadFixture },
      "ctx_playground",
      DEMO_CONTEXT,
    );
    const context = await mf.getKVNamespace("CONTEXT");
    await context.put("demo:user:ann", JSON.stringify({ spend: 30, updated_at: "2026-01-01T00:00:00Z" }));
    await openPlayground();
    await page.locator("#model").selectOption("ctx_playground");
    await page.waitForSelector("#field-tier");
    // The declared vocabulary becomes a select, the range the number's bounds.
    expect(await page.locator("#field-tier option").allTextContents()).toEqual(["basic", "gold"]);
    expect(await page.locator("#field-amount").getAttribute("max")).toBe("1000");
    expect(await page.locator("#lookups-declared").textContent()).toContain("demo:user:{id}");
    await page.locator("#field-id").fill("ann");
    await page.locator("#field-amount").fill("20");
    await page.locator("#field-tier").selectOption("gold");
    await page.locator("#as-of").fill("2026-02-01T00:00:00Z");
    await page.getByRole("button", { name: "Predict" }).click();
    await page.waitForSelector("[data-lookup=user]");
    expect(await page.locator("[data-lookup=user] [data-status]").textContent()).toBe("present");
    expect(await page.locator("[data-lookup=region] [data-status]").textContent()).toBe("missing");
    const res = await fetch(`${base}/v1/models/ctx_playground:predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ as_of: "2026-02-01T00:00:00Z", instances: [{ id: "ann", amount: 20, tier: "gold" }] }),
    });
    const api = (await res.json()) as { predictions: number[][] };
    expect(await page.locator("[data-output=score]").textContent()).toBe(JSON.stringify(api.predictions[0]));
    await page.screenshot({ path: join(ARTIFACTS, "playground-context.png"), fullPage: true });
  });
});

describe("the docs page at /docs", () => {
  it("lists every route of /openapi.json", async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.length).toBeGreaterThanOrEqual(23);
    await page.goto(`${base}/docs`);
    const shown = await page
      .locator("article[data-route]")
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-route")));
    expect(shown.sort()).toEqual(routes.sort());
    const index = await page.getByRole("navigation", { name: "All routes" }).getByRole("link").count();
    expect(index).toBe(routes.length);
    await page.screenshot({ path: join(ARTIFACTS, "docs.png") });
  });
});
