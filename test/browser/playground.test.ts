/**
 * The playground and the docs page in headless Chromium (Debian's `chromium`, driven by
 * playwright-core; no browser download), against the built bundle under Miniflare with the
 * production config, listening on loopback, with the flights context in its local KV.
 * Any request that leaves loopback is blocked and fails the test. Screenshots go to
 * test-artifacts/ (gitignored).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { putAll, readEntries } from "../../scripts/local-context.ts";
import { FLIGHT } from "../../src/http/openapi/examples.ts";
import { contextKeys, parseFlight } from "../../src/pipelines/flights/index.ts";
import { serverOptions } from "../e2e/worker.ts";

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
  it("predicts the README flight in two clicks: the probability, its KV context, the version and the timings", async () => {
    await openPlayground(); // click 1: open the page
    expect(await page.locator("#model").inputValue()).toBe("flights");
    expect(await page.getByLabel("Origin").inputValue()).toBe("SFO");
    expect(await page.getByLabel("Destination").inputValue()).toBe("LAX");
    expect(await page.getByLabel("Scheduled departure").inputValue()).toBe("2001-06-15T08:30");
    expect(await page.getByLabel("Distance").inputValue()).toBe("337");
    await page.getByRole("button", { name: "Predict" }).click(); // click 2
    await page.waitForSelector("#probability");

    const expected = await apiPredict(FLIGHT);
    expect(expected.status).toBe(200);
    const prediction = expected.json.predictions[0];
    expect(await page.locator("#probability").textContent()).toBe(String(prediction.delay_probability));
    expect(await page.locator("#prediction").textContent()).toContain(
      `${(prediction.delay_probability * 100).toFixed(1)} %`,
    );

    // The context block: shown, and holding what KV gave (not the defaults of a missing context).
    expect(prediction.context.missing).toEqual([]);
    await expect.poll(() => page.locator("#context-block").isVisible()).toBe(true);
    const contextText = (await page.locator("#context").textContent()) ?? "";
    expect(contextText).toContain(`${(prediction.context.origin.late_rate * 100).toFixed(1)} %`);
    expect(contextText).toContain(prediction.context.route.flights.toLocaleString("en-US"));
    expect(contextText).toContain("missing keys: none");

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
    await page.getByLabel("Destination").fill("SFO");
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
