/**
 * The /monitor page's browser script (plain ES2017, no build step, no dependencies). It reads the
 * model index from `GET /` (JSON), then `GET /v2/models/{name}/quality` (core/monitoring/report.ts
 * QualityDocument), and draws, per version and arm of the chosen window: the figures, the binned
 * ROC and calibration curves, AUC and log loss per hour, a PSI heatmap (feature × hour) and the
 * context-status bars per lookup, all as inline SVG. Query: ?model=NAME&window=1h|24h|7d.
 * Kept free of backticks and dollar-brace so it can live in a template string.
 */
export const MONITOR_SCRIPT = `
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var $ = function (id) { return document.getElementById(id); };
  var STATUSES = ["present", "missing", "stale", "future", "error"];
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) { if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]); }
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function s(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function fmt(x, d) { return x === null || x === undefined ? "–" : Number(x).toFixed(d === undefined ? 3 : d); }
  function setStatus(t) { $("status").textContent = t; }
  function headers() {
    var h = { accept: "application/json" };
    var key = $("apikey").value.trim();
    if (key) h.authorization = "Bearer " + key;
    return h;
  }
  function get(path) {
    return fetch(path, { headers: headers() }).then(function (res) {
      return res.text().then(function (text) {
        var json; try { json = JSON.parse(text); } catch (e) { json = undefined; }
        return { res: res, json: json, text: text };
      });
    });
  }

  /** A square plot of [0,1]x[0,1] with axes, a dashed diagonal, and polylines (class names for colour). */
  function unitPlot(label, xName, yName, lines) {
    var W = 260, P = 34, svg = s("svg", { viewBox: "0 0 " + (W + P + 8) + " " + (W + P + 8), class: "plot", role: "img", "aria-label": label });
    var X = function (x) { return P + x * W; }, Y = function (y) { return 8 + (1 - y) * W; };
    svg.appendChild(s("rect", { x: P, y: 8, width: W, height: W, class: "frame" }));
    [0, 0.5, 1].forEach(function (t) {
      svg.appendChild(s("text", { x: X(t), y: W + 24, "text-anchor": "middle", class: "tick" }, String(t)));
      svg.appendChild(s("text", { x: P - 4, y: Y(t) + 4, "text-anchor": "end", class: "tick" }, String(t)));
    });
    svg.appendChild(s("text", { x: X(0.5), y: W + P + 6, "text-anchor": "middle", class: "axis" }, xName));
    svg.appendChild(s("text", { x: 10, y: Y(0.5), transform: "rotate(-90 10 " + Y(0.5) + ")", "text-anchor": "middle", class: "axis" }, yName));
    svg.appendChild(s("line", { x1: X(0), y1: Y(0), x2: X(1), y2: Y(1), class: "diag" }));
    lines.forEach(function (l) {
      var pts = l.points.map(function (p) { return X(p[0]).toFixed(1) + "," + Y(p[1]).toFixed(1); }).join(" ");
      svg.appendChild(s("polyline", { points: pts, class: "curve " + l.cls }));
      if (l.dots) l.points.forEach(function (p) { svg.appendChild(s("circle", { cx: X(p[0]), cy: Y(p[1]), r: 3, class: "dot " + l.cls })); });
    });
    return svg;
  }

  /** One series over hours, scaled to its own range. */
  function hourly(label, points, key, cls) {
    var W = 520, H = 120, P = 40;
    var svg = s("svg", { viewBox: "0 0 " + (W + P + 8) + " " + (H + 30), class: "plot wide", role: "img", "aria-label": label });
    var vals = points.map(function (p) { return p[key]; }).filter(function (v) { return v !== null && v !== undefined; });
    svg.appendChild(s("rect", { x: P, y: 6, width: W, height: H, class: "frame" }));
    svg.appendChild(s("text", { x: P + W / 2, y: H + 26, "text-anchor": "middle", class: "axis" }, label));
    if (!vals.length) { svg.appendChild(s("text", { x: P + W / 2, y: H / 2, "text-anchor": "middle", class: "tick" }, "no joined outcomes yet")); return svg; }
    var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
    if (hi - lo < 1e-9) { lo -= 0.05; hi += 0.05; }
    var X = function (i) { return P + (points.length > 1 ? (i / (points.length - 1)) * W : W / 2); };
    var Y = function (v) { return 6 + (1 - (v - lo) / (hi - lo)) * H; };
    svg.appendChild(s("text", { x: P - 4, y: 14, "text-anchor": "end", class: "tick" }, fmt(hi)));
    svg.appendChild(s("text", { x: P - 4, y: H + 6, "text-anchor": "end", class: "tick" }, fmt(lo)));
    var pts = [];
    points.forEach(function (p, i) { if (p[key] !== null && p[key] !== undefined) pts.push(X(i).toFixed(1) + "," + Y(p[key]).toFixed(1)); });
    svg.appendChild(s("polyline", { points: pts.join(" "), class: "curve " + cls }));
    return svg;
  }

  function psiClass(v) { return v === null || v === undefined ? "psi-none" : v >= 0.25 ? "psi-high" : v >= 0.1 ? "psi-mid" : "psi-low"; }

  /** Features down, hours across; a cell's colour says PSI < 0.1, 0.1-0.25 or >= 0.25. */
  function heatmap(features, points) {
    var C = 14, L = 170, w = L + Math.max(points.length, 1) * C + 4, h = features.length * C + 4;
    var svg = s("svg", { viewBox: "0 0 " + w + " " + h, width: w, height: h, class: "heatmap", role: "img", "aria-label": "PSI per feature and hour" });
    features.forEach(function (f, r) {
      svg.appendChild(s("text", { x: L - 6, y: r * C + 11, "text-anchor": "end", class: "tick" }, f));
      points.forEach(function (p, c) {
        var v = p.psi ? p.psi[f] : null;
        var cell = s("rect", { x: L + c * C, y: r * C, width: C - 1, height: C - 1, class: "cell " + psiClass(v) });
        cell.appendChild(s("title", {}, f + " " + p.hour + ": PSI " + fmt(v)));
        svg.appendChild(cell);
      });
    });
    return svg;
  }

  function freshness(rows) {
    var W = 360, R = 22, L = 120, w = L + W + 4, h = rows.length * R + 4;
    var svg = s("svg", { viewBox: "0 0 " + w + " " + h, width: w, height: h, class: "bars", role: "img", "aria-label": "Context status per lookup" });
    rows.forEach(function (f, r) {
      svg.appendChild(s("text", { x: L - 6, y: r * R + 15, "text-anchor": "end", class: "tick" }, f.lookup));
      var x = L;
      STATUSES.forEach(function (st) {
        var w = (f.shares[st] || 0) * W;
        if (w <= 0) return;
        var bar = s("rect", { x: x, y: r * R + 2, width: w, height: R - 6, class: "seg status-" + st });
        bar.appendChild(s("title", {}, f.lookup + " " + st + ": " + fmt(100 * f.shares[st], 1) + "% of " + f.rows));
        svg.appendChild(bar);
        x += w;
      });
    });
    return svg;
  }

  function figures(rep) {
    var b = rep.binary, r = rep.regression, l = rep.latency_ms;
    var rows = [["rows", rep.count], ["requests", rep.requests], ["joined with outcomes", rep.joined], ["errors", rep.errors + (rep.errors ? " (" + Object.keys(rep.errors_by_code).map(function (k) { return k + " " + rep.errors_by_code[k]; }).join(", ") + ")" : "")]];
    if (l) rows.push(["latency p50 / p95 / p99", fmt(l.p50, 1) + " / " + fmt(l.p95, 1) + " / " + fmt(l.p99, 1) + " ms (±" + fmt(100 * l.relative_error, 1) + "%)"]);
    if (b) rows.push(["AUC", fmt(b.auc) + (b.auc_bound !== null ? " (±" + fmt(b.auc_bound, 4) + ")" : "")], ["log loss", fmt(b.log_loss)], ["Brier", fmt(b.brier)], ["positives / negatives", b.positives + " / " + b.negatives]);
    if (r) rows.push(["MAE", fmt(r.mae)], ["RMSE", fmt(r.rmse)]);
    return el("table", { class: "figures" }, rows.map(function (row) { return el("tr", {}, [el("th", { text: row[0] }), el("td", { class: "num", text: String(row[1]) })]); }));
  }

  function driftTable(drift) {
    return el("table", { class: "drift" }, [el("tr", {}, ["feature", "rows", "PSI", "JS"].map(function (h) { return el("th", { text: h }); }))].concat(drift.map(function (d) {
      return el("tr", {}, [el("td", { text: d.feature }), el("td", { class: "num", text: String(d.rows) }), el("td", { class: "num " + psiClass(d.psi), text: fmt(d.psi) }), el("td", { class: "num", text: fmt(d.js) })]);
    })));
  }

  function shadowTable(rows) {
    return el("table", { class: "shadow" }, [el("tr", {}, ["answered by", "rows", "same class", "mean |diff|", "|diff| p50 / p95 / p99", "within 0.01"].map(function (h) { return el("th", { text: h }); }))].concat(rows.map(function (c) {
      var q = c.abs_diff;
      return el("tr", {}, [el("td", { text: "version " + c.served_version }), el("td", { class: "num", text: String(c.pairs) }), el("td", { class: "num", text: fmt(100 * c.agreement, 1) + "%" }), el("td", { class: "num", text: fmt(c.mean_abs_diff, 4) }), el("td", { class: "num", text: q ? fmt(q.p50, 4) + " / " + fmt(q.p95, 4) + " / " + fmt(q.p99, 4) : "–" }), el("td", { class: "num", text: c.scored ? fmt(100 * c.within["0.01"], 1) + "%" : "–" })]);
    })));
  }

  function section(title, node) { return el("div", { class: "panel" }, [el("h3", { text: title }), node]); }

  function render(doc, windowName) {
    var out = $("reports");
    while (out.firstChild) out.removeChild(out.firstChild);
    var reports = doc.reports.filter(function (r) { return r.window === windowName; });
    if (!reports.length) { out.appendChild(el("p", { class: "muted", text: "No figures for " + doc.model + " in the last " + windowName + "." })); return; }
    reports.forEach(function (entry) {
      var rep = entry.report, b = rep.binary;
      var series = (doc.series.filter(function (x) { return x.version === entry.version && x.arm === entry.arm; })[0] || { points: [] }).points;
      var card = el("section", { class: "card report", "data-version": String(entry.version), "data-arm": entry.arm }, [
        el("h2", { text: doc.model + " version " + entry.version + " (" + entry.arm + "), last " + entry.window }),
        el("p", { class: "muted", text: entry.from + " to " + entry.to }),
      ]);
      var grid = el("div", { class: "panels" });
      grid.appendChild(section("Figures", figures(rep)));
      if (rep.shadow && rep.shadow.length) grid.appendChild(section("Shadow against the answering version (same rows)", shadowTable(rep.shadow)));
      if (b && b.roc.length) grid.appendChild(section("ROC (AUC " + fmt(b.auc) + ")", unitPlot("ROC curve", "false positive rate", "true positive rate", [{ points: b.roc, cls: "roc" }])));
      if (b) grid.appendChild(section("Calibration", unitPlot("Calibration curve", "mean predicted", "observed share", [{ points: b.calibration.filter(function (c) { return c.count > 0; }).map(function (c) { return [c.mean_score, c.positive_share]; }), cls: "cal", dots: true }])));
      card.appendChild(grid);
      if (series.length) {
        card.appendChild(section("AUC per hour", hourly("AUC per hour", series, "auc", "auc")));
        card.appendChild(section("Log loss per hour", hourly("log loss per hour", series, "log_loss", "ll")));
      }
      if (rep.drift.length) {
        card.appendChild(section("Drift: PSI per feature and hour (green < 0.1, amber < 0.25, red ≥ 0.25)", heatmap(rep.drift.map(function (d) { return d.feature; }), series.length ? series : [{ hour: entry.to, psi: rep.drift.reduce(function (m, d) { m[d.feature] = d.psi; return m; }, {}) }])));
        card.appendChild(el("details", {}, [el("summary", { text: "Drift over the window (PSI, Jensen-Shannon)" }), driftTable(rep.drift)]));
      }
      if (rep.freshness.length) card.appendChild(section("Context status per lookup", freshness(rep.freshness)));
      out.appendChild(card);
    });
  }

  function load() {
    var model = $("model").value, win = $("window").value;
    if (!model) return;
    history.replaceState(null, "", "?model=" + encodeURIComponent(model) + "&window=" + encodeURIComponent(win));
    setStatus("loading…");
    get("/v2/models/" + encodeURIComponent(model) + "/quality?window=" + encodeURIComponent(win)).then(function (r) {
      if (!r.res.ok || !r.json) { setStatus(""); $("error").textContent = (r.json && r.json.error) || ("HTTP " + r.res.status); $("error").hidden = false; return; }
      $("error").hidden = true;
      setStatus("figures of " + r.json.generated_at);
      render(r.json, win);
    }).catch(function (e) { setStatus(""); $("error").textContent = String(e); $("error").hidden = false; });
  }

  var params = new URLSearchParams(location.search);
  if (params.get("window")) $("window").value = params.get("window");
  $("controls").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  get("/").then(function (r) {
    var sel = $("model");
    while (sel.firstChild) sel.removeChild(sel.firstChild);
    var names = r.res.ok && r.json && r.json.models ? r.json.models.map(function (m) { return m.name; }) : [];
    var wanted = params.get("model");
    if (wanted && names.indexOf(wanted) < 0) names.unshift(wanted);
    names.forEach(function (n) { sel.appendChild(el("option", { value: n, text: n })); });
    if (wanted) sel.value = wanted;
    load();
  });
})();
`;
