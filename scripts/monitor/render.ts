/**
 * The terminal form of GET /v2/models/{name}/quality (core/monitoring/report.ts QualityDocument):
 * per version and arm of one window, the figures, the calibration table, drift per feature
 * (PSI flagged at 0.1 and 0.25), the context statuses per lookup, and a shadow's comparison with the
 * answering version. Pure: lines in, lines out.
 */
import type { QualityDocument, QualityReport } from "../../src/core/monitoring/report.ts";

const fmt = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? "–" : x.toFixed(digits));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Columns padded to their widest cell; numbers (cells starting with a digit, '-' or '–') right-aligned. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? "").length)));
  return rows.map((r) =>
    r
      .map((cell, j) => (j > 0 && /^[-–\d]/.test(cell) ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!)))
      .join("  ")
      .trimEnd(),
  );
}

export function psiFlag(psi: number | null): string {
  return psi === null ? "" : psi >= 0.25 ? "drift" : psi >= 0.1 ? "watch" : "";
}

function figures(r: QualityReport): string[] {
  const rows: string[][] = [
    ["rows", String(r.count)],
    ["requests", String(r.requests)],
    ["joined", String(r.joined)],
    [
      "errors",
      `${r.errors}${
        r.errors
          ? ` (${Object.entries(r.errors_by_code)
              .map(([k, n]) => `${k} ${n}`)
              .join(", ")})`
          : ""
      }`,
    ],
  ];
  const l = r.latency_ms;
  if (l)
    rows.push([
      "latency p50/p95/p99 ms",
      `${fmt(l.p50, 1)} / ${fmt(l.p95, 1)} / ${fmt(l.p99, 1)} (±${fmt(100 * l.relative_error, 1)}%)`,
    ]);
  const b = r.binary;
  if (b)
    rows.push(
      ["AUC", `${fmt(b.auc)}${b.auc_bound === null ? "" : ` (±${fmt(b.auc_bound, 4)})`}`],
      ["log loss", fmt(b.log_loss)],
      ["Brier", fmt(b.brier)],
      ["positives / negatives", `${b.positives} / ${b.negatives}`],
    );
  if (r.regression) rows.push(["MAE", fmt(r.regression.mae)], ["RMSE", fmt(r.regression.rmse)]);
  return table(rows);
}

function calibration(r: QualityReport): string[] {
  if (!r.binary) return [];
  const rows = [["score bin", "rows", "mean score", "positive share"]];
  for (const c of r.binary.calibration)
    rows.push([`${c.lo.toFixed(1)}-${c.hi.toFixed(1)}`, String(c.count), fmt(c.mean_score), fmt(c.positive_share)]);
  return ["", "calibration", ...table(rows)];
}

function drift(r: QualityReport): string[] {
  if (!r.drift.length) return [];
  const rows = [["feature", "rows", "PSI", "JS", ""]];
  for (const d of r.drift) rows.push([d.feature, String(d.rows), fmt(d.psi), fmt(d.js), psiFlag(d.psi)]);
  return ["", "drift against the training baseline (PSI: watch >= 0.1, drift >= 0.25)", ...table(rows)];
}

function freshness(r: QualityReport): string[] {
  if (!r.freshness.length) return [];
  const rows = [["lookup", "rows", "present", "missing", "stale", "future", "error"]];
  for (const f of r.freshness)
    rows.push([
      f.lookup,
      String(f.rows),
      pct(f.shares.present),
      pct(f.shares.missing),
      pct(f.shares.stale),
      pct(f.shares.future),
      pct(f.shares.error),
    ]);
  return ["", "context status per lookup", ...table(rows)];
}

function shadow(r: QualityReport): string[] {
  if (!r.shadow?.length) return [];
  const rows = [["answered by", "rows", "same class", "mean |diff|", "|diff| p50 / p95 / p99", "within 0.01"]];
  for (const c of r.shadow)
    rows.push([
      `version ${c.served_version}`,
      String(c.pairs),
      pct(c.agreement),
      fmt(c.mean_abs_diff, 4),
      c.abs_diff ? `${fmt(c.abs_diff.p50, 4)} / ${fmt(c.abs_diff.p95, 4)} / ${fmt(c.abs_diff.p99, 4)}` : "–",
      c.scored > 0 ? pct(c.within["0.01"] ?? 0) : "–",
    ]);
  return [
    "",
    "shadow against the answering version, same rows (|diff|: |shadow score − answered score|)",
    ...table(rows),
  ];
}

/** The lines `npm run monitor` prints for one window. */
export function renderQuality(doc: QualityDocument, window: string): string[] {
  const entries = doc.reports.filter((e) => e.window === window);
  if (!entries.length) return [`${doc.model}: no figures in the last ${window} (as of ${doc.generated_at})`];
  const out: string[] = [];
  for (const e of entries) {
    if (out.length) out.push("");
    out.push(`${doc.model} version ${e.version} (${e.arm}), last ${e.window}: ${e.from} to ${e.to}`);
    out.push(...figures(e.report), ...shadow(e.report), ...calibration(e.report), ...drift(e.report));
    out.push(...freshness(e.report));
  }
  return out;
}
