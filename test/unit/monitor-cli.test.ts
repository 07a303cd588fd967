/**
 * `npm run monitor` renders a fixed QualityDocument (test/support/quality-document.ts, built from
 * the scikit-learn/numpy reference data) as tables: the figures agree with the libraries' values
 * at the printed precision, drift is flagged at PSI 0.1 / 0.25, and lookup statuses are shares.
 */
import { describe, expect, it } from "vitest";
import { psiFlag, renderQuality, table } from "../../scripts/monitor/render.ts";
import { qualityDocument, REFERENCE } from "../support/quality-document.ts";

const ref = REFERENCE as typeof REFERENCE & {
  binary: { brier_score_loss: number; calibration_curve: { counts: number[] } };
  drift: { jensenshannon: number; categorical: { jensenshannon: number } };
};
const lines = renderQuality(qualityDocument(), "24h");
const line = (start: string) => lines.find((l) => l.startsWith(start)) ?? "";
const cells = (l: string) => l.trim().split(/\s{2,}/);

describe("renderQuality", () => {
  it("heads each version and arm with its window", () => {
    expect(lines[0]).toBe(
      "flights version 3 (default), last 24h: 2001-06-11T16:00:00.000Z to 2001-06-12T16:00:00.000Z",
    );
  });

  it("prints AUC, log loss and Brier as scikit-learn computes them, to the printed precision", () => {
    expect(cells(line("AUC"))[1]).toMatch(new RegExp(`^${ref.binary.roc_auc_score.toFixed(3)} \\(±0\\.000\\d\\)$`));
    expect(cells(line("log loss"))[1]).toBe(ref.binary.log_loss.toFixed(3));
    expect(cells(line("Brier"))[1]).toBe(ref.binary.brier_score_loss.toFixed(3));
    expect(cells(line("rows"))).toEqual(["rows", "3000"]);
    expect(cells(line("joined"))).toEqual(["joined", "3000"]);
  });

  it("prints the calibration table with sklearn's bin counts", () => {
    const start = lines.indexOf("calibration");
    const counts = lines.slice(start + 2, start + 12).map((l) => Number(cells(l)[1]));
    expect(counts).toEqual(ref.binary.calibration_curve.counts);
    expect(cells(lines[start + 2]!)[0]).toBe("0.0-0.1");
  });

  it("prints PSI and Jensen-Shannon per feature and flags them", () => {
    expect(cells(line("distance"))).toEqual([
      "distance",
      "3000",
      ref.drift.psi.toFixed(3),
      ref.drift.jensenshannon.toFixed(3),
      "watch",
    ]);
    expect(cells(line("carrier")).slice(2, 5)).toEqual([
      ref.drift.categorical.psi.toFixed(3),
      ref.drift.categorical.jensenshannon.toFixed(3),
      "drift",
    ]);
    expect([psiFlag(0.0999), psiFlag(0.1), psiFlag(0.25), psiFlag(null)]).toEqual(["", "watch", "drift", ""]);
  });

  it("prints each lookup's status shares", () => {
    expect(cells(line("airport"))).toEqual(["airport", "3000", "80.0%", "5.0%", "15.0%", "0.0%", "0.0%"]);
  });

  it("prints a shadow arm's comparison with the answering version", () => {
    const doc = qualityDocument();
    const report = {
      ...doc.reports[0]!.report,
      shadow: [
        {
          served_version: 3,
          pairs: 40,
          agreement: 0.95,
          scored: 40,
          mean_abs_diff: 0.01234,
          abs_diff: { p50: 0.008, p95: 0.03, p99: 0.05, relative_error: 0.0099 },
          within: { "0.001": 0.1, "0.01": 0.625, "0.05": 1, "0.1": 1 },
        },
      ],
    };
    doc.reports.push({ ...doc.reports[0]!, version: 4, arm: "shadow", report });
    const out = renderQuality(doc, "24h");
    const at = out.findIndex((l) => l.startsWith("shadow against the answering version"));
    expect(out.slice(0, at).some((l) => l.startsWith("flights version 4 (shadow)"))).toBe(true);
    expect(cells(out[at + 2]!)).toEqual(["version 3", "40", "95.0%", "0.0123", "0.0080 / 0.0300 / 0.0500", "62.5%"]);
    // The answering arm prints no comparison.
    expect(lines.some((l) => l.startsWith("shadow against"))).toBe(false);
  });

  it("says when a window has no figures", () => {
    expect(renderQuality(qualityDocument(), "1h")).toEqual([
      "flights: no figures in the last 1h (as of 2001-06-12T16:00:00.000Z)",
    ]);
  });

  it("aligns columns: text left, numbers right", () => {
    expect(
      table([
        ["a", "1"],
        ["bbb", "100"],
      ]),
    ).toEqual(["a      1", "bbb  100"]);
  });
});

describe("npm run monitor against a server", () => {
  it("asks the quality route for the window with the key, and prints the tables", async () => {
    const { createServer } = await import("node:http");
    const { execFile } = await import("node:child_process");
    const asked: Array<{ url: string; auth: string | undefined }> = [];
    const server = createServer((req, res) => {
      asked.push({ url: req.url ?? "", auth: req.headers.authorization });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(qualityDocument()));
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as { port: number };
    try {
      const out = await new Promise<string>((done, fail) =>
        execFile(
          "npx",
          ["tsx", "scripts/monitor.ts", "--model", "flights", "--url", `http://127.0.0.1:${port}`, "--key", "k-123"],
          { timeout: 60_000 },
          (err, stdout) => (err ? fail(err) : done(stdout)),
        ),
      );
      expect(asked).toEqual([{ url: "/v2/models/flights/quality?window=24h", auth: "Bearer k-123" }]);
      expect(out.split("\n").slice(0, -1)).toEqual(lines);
    } finally {
      server.close();
    }
  });
});
