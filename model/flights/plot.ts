/**
 * evaluation.svg: ROC curves and a reliability diagram, with and without context
 * (vega-lite compiled to vega, rendered headless to SVG).
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Bin } from "./metrics.ts";

export interface Curve {
  model: string;
  auc: number;
  roc: { fpr: number; tpr: number }[];
  calibration: Bin[];
}

export async function evaluationSvg(curves: Curve[], title: string): Promise<string> {
  const label = (c: Curve) => `${c.model} (AUC ${c.auc.toFixed(3)})`;
  const roc = curves.flatMap((c) => c.roc.map((d) => ({ ...d, model: label(c) })));
  const cal = curves.flatMap((c) => c.calibration.map((d) => ({ ...d, model: label(c) })));
  const color = {
    field: "model",
    type: "nominal" as const,
    legend: { orient: "bottom" as const, title: null, labelLimit: 400 },
  };
  const diagonal = [
    { x: 0, y: 0 },
    { x: 1, y: 1 },
  ];
  const dashed = {
    data: { values: diagonal },
    mark: { type: "line" as const, strokeDash: [4, 4], color: "#999" },
    encoding: { x: { field: "x", type: "quantitative" as const }, y: { field: "y", type: "quantitative" as const } },
  };
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    config: { font: "sans-serif" },
    resolve: { scale: { color: "shared" }, legend: { color: "shared" } },
    hconcat: [
      {
        title: "ROC",
        width: 300,
        height: 300,
        layer: [
          dashed,
          {
            data: { values: roc },
            mark: { type: "line" },
            encoding: {
              x: { field: "fpr", type: "quantitative", title: "false positive rate", scale: { domain: [0, 1] } },
              y: { field: "tpr", type: "quantitative", title: "true positive rate", scale: { domain: [0, 1] } },
              color,
            },
          },
        ],
      },
      {
        title: "Reliability (10 bins of predicted probability)",
        width: 300,
        height: 300,
        layer: [
          dashed,
          {
            data: { values: cal },
            mark: { type: "line", point: true },
            encoding: {
              x: {
                field: "mean_predicted",
                type: "quantitative",
                title: "mean predicted P(late)",
                scale: { domain: [0, 1] },
              },
              y: {
                field: "observed_rate",
                type: "quantitative",
                title: "observed late rate",
                scale: { domain: [0, 1] },
              },
              color,
              tooltip: [{ field: "count", type: "quantitative" }],
            },
          },
        ],
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg + "\n";
}
