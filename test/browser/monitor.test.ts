/**
 * The /monitor page in headless Chromium, served by the built bundle under Miniflare with the
 * production config. Its figures route (GET /v2/models/{name}/quality) is answered here, in the
 * browser, with a fixed QualityDocument built from the scikit-learn/numpy reference data
 * (test/support/quality-document.ts): the page must draw that report's ROC and calibration
 * curves, the hourly AUC and log loss, the PSI heatmap and the lookup bars, with no console
 * error, no request off loopback, and no inline script but its own (CSP).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { addPrediction, emptyAggregate } from "../../src/core/monitoring/aggregate.ts";
import type { PredictionRecord } from "../../src/core/monitoring/record.ts";
import { summarize } from "../../src/core/monitoring/report.ts";
import { serverOptions } from "../e2e/worker.ts";
import { qualityDocument, REFERENCE } from "../support/quality-document.ts";

const ARTIFACTS = "test-artifacts";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const state = mkdtempSync(join(tmpdir(), "stateless-serve-monitor-"));
const doc = qualityDocument();
/** Shadow version 4 of the same model against version 3 on four rows: (answered, shadow) scores. */
const SHADOW_PAIRS = [
  [0.2, 0.25],
  [0.7, 0.4],
  [0.9, 0.9],
  [0.1, 0.3],
] as const;
doc.reports.push({
  ...doc.reports[0]!,
  version: 4,
  arm: "shadow",
  report: summarize([
    SHADOW_PAIRS.reduce(
      (agg, [answered, shadow], i) =>
        addPrediction(agg, {
          ...({
            kind: "prediction",
            time: doc.reports[0]!.to,
            request_id: `s${i}`,
            protocol: "v1",
            model: "flights",
          } as const),
          ...({
            label: null,
            row: 0,
            key: null,
            as_of: null,
            fields: null,
            features: [],
            lookups: [],
            latency_ms: 3,
          } as const),
          version: 4,
          arm: "shadow",
          outputs: { delay_probability: [shadow] },
          score: shadow,
          served: { version: 3, arm: "default", score: answered, same_class: answered > 0.5 === shadow > 0.5 },
        } satisfies PredictionRecord),
      emptyAggregate(),
    ),
  ]),
});
let mf: Miniflare;
let base: string;
let browser: Browser;
let page: Page;
let offLoopback: string[] = [];
let pageErrors: string[] = [];
let qualityAsked: string[] = [];

beforeAll(async () => {
  mf = new Miniflare({
    ...serverOptions(),
    host: "127.0.0.1",
    port: 0,
    defaultPersistRoot: state,
  } as ConstructorParameters<typeof Miniflare>[0]);
  base = (await mf.ready).origin;
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
  qualityAsked = [];
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (!LOOPBACK.has(url.hostname)) {
      offLoopback.push(url.href);
      return route.abort("blockedbyclient");
    }
    if (url.pathname === "/v2/models/flights/quality") {
      qualityAsked.push(url.search);
      return route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(doc) });
    }
    return route.continue();
  });
  page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  page.on("console", (msg) => {
    if (msg.type() === "error") pageErrors.push(msg.text());
  });
});
afterEach(async () => {
  await page?.context().close();
  expect(offLoopback, "requests that left loopback").toEqual([]);
  expect(pageErrors, "errors in the page").toEqual([]);
});

/** Numbers of an SVG polyline's points attribute. */
const pointsOf = (attr: string | null) => (attr ?? "").trim().split(/\s+/).filter(Boolean);

describe("the monitor page at /monitor", () => {
  it("draws the report of the chosen model and window: figures, ROC, calibration, hourly series, PSI heatmap, lookup bars", async () => {
    await page.goto(`${base}/monitor?model=flights&window=24h`);
    const card = page.locator('section.report[data-version="3"][data-arm="default"]');
    await card.waitFor();
    expect(qualityAsked).toEqual(["?window=24h"]);
    const report = doc.reports[0]!.report;
    // the AUC shown is scikit-learn's at the printed precision
    await expect
      .poll(() => card.locator("h3", { hasText: "ROC" }).textContent())
      .toBe(`ROC (AUC ${REFERENCE.binary.roc_auc_score.toFixed(3)})`);
    const roc = card.locator('svg[aria-label="ROC curve"] polyline.roc');
    expect(pointsOf(await roc.getAttribute("points"))).toHaveLength(report.binary!.roc.length);
    // one dot per non-empty calibration bin (all ten here)
    expect(await card.locator('svg[aria-label="Calibration curve"] circle.dot').count()).toBe(10);
    // six hours of AUC and of log loss
    for (const label of ["AUC per hour", "log loss per hour"])
      expect(pointsOf(await card.locator(`svg[aria-label="${label}"] polyline`).getAttribute("points"))).toHaveLength(
        6,
      );
    // the heatmap: two features x six hours; the categorical feature drifted (PSI >= 0.25) every hour
    const cells = card.locator('svg[aria-label="PSI per feature and hour"] rect.cell');
    expect(await cells.count()).toBe(12);
    expect(await card.locator("rect.cell.psi-high").count()).toBeGreaterThanOrEqual(6);
    // freshness: present, missing and stale segments for the one lookup, widths in proportion
    const segs = card.locator('svg[aria-label="Context status per lookup"] rect.seg');
    const widths = Object.fromEntries(
      await Promise.all(
        (await segs.all()).map(async (s) => [await s.getAttribute("class"), Number(await s.getAttribute("width"))]),
      ),
    );
    expect(Object.keys(widths).sort()).toEqual(["seg status-missing", "seg status-present", "seg status-stale"]);
    expect(widths["seg status-present"] / widths["seg status-stale"]).toBeCloseTo(80 / 15, 6);
    await page.screenshot({ path: join(ARTIFACTS, "monitor.png"), fullPage: true });
  });

  it("shows a shadow arm's comparison with the answering version", async () => {
    await page.goto(`${base}/monitor?model=flights&window=24h`);
    const table = page.locator('section.report[data-version="4"][data-arm="shadow"] table.shadow');
    await table.waitFor();
    const cells = await table.locator("tr").nth(1).locator("td").allTextContents();
    // Computed here from the pairs: 3 of 4 on the same side of 0.5; mean |diff| (0.05 + 0.3 + 0 + 0.2) / 4.
    const diffs = SHADOW_PAIRS.map(([a, b]) => Math.abs(b - a));
    expect(cells.slice(0, 4)).toEqual(["version 3", "4", "75.0%", (diffs.reduce((x, y) => x + y, 0) / 4).toFixed(4)]);
    expect(cells[5]).toBe(`${((100 * diffs.filter((d) => d <= 0.01).length) / 4).toFixed(1)}%`);
    // The answering arm's card has no such table.
    expect(await page.locator('section.report[data-arm="default"] table.shadow').count()).toBe(0);
  });

  it("says when the window has no figures, and switches window on request", async () => {
    await page.goto(`${base}/monitor?model=flights&window=1h`);
    await expect.poll(() => page.locator("#reports").textContent()).toContain("No figures for flights in the last 1h.");
    await page.selectOption("#window", "24h");
    await page.click("#load");
    await page.locator("section.report").first().waitFor();
    expect(qualityAsked).toEqual(["?window=1h", "?window=24h"]);
  });

  it("runs no inline script but its own", async () => {
    const res = await page.goto(`${base}/monitor`);
    expect(res?.headers()["content-security-policy"]).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+';/);
    // evaluated in the page (a string: this file is typed for Node, not the DOM)
    const ran = await page.evaluate(`(() => {
      const s = document.createElement("script");
      s.textContent = "window.injected = true";
      document.body.appendChild(s);
      return window.injected === true;
    })()`);
    expect(ran).toBe(false);
    // Chromium reports the refused script on the console: expected here, so not an error of the page
    pageErrors = pageErrors.filter((e) => !/Content Security Policy/.test(e));
  });
});
