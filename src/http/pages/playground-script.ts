/**
 * The playground's browser script (plain ES2017, no build step, no dependencies). It reads the
 * model index from `GET /` (JSON), asks `GET /v2/models/{name}[/versions/{v}]` for the inputs of
 * models other than flights, and predicts over v1 (flights) or v2 (the JSON editor).
 * Kept free of backticks and dollar-brace so it can live in a template string.
 */
export const PLAYGROUND_SCRIPT = String.raw`
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var models = [];
  var formRequests = 0;
  var form = $("form"), modelSel = $("model"), versionSel = $("version");

  function headers(extra) {
    var h = { accept: "application/json" };
    var key = $("apikey").value.trim();
    if (key) h.authorization = "Bearer " + key;
    for (var k in extra || {}) h[k] = extra[k];
    return h;
  }
  function api(method, path, body) {
    var init = { method: method, headers: headers(body === undefined ? {} : { "content-type": "application/json" }) };
    if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
    var started = performance.now();
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var json; try { json = JSON.parse(text); } catch (e) { json = undefined; }
        return { res: res, text: text, json: json, ms: performance.now() - started };
      });
    });
  }
  function setStatus(text) { $("status").textContent = text; }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) { if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]); }
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function selected() {
    var m = models.filter(function (x) { return x.name === modelSel.value; })[0];
    return { model: m, version: versionSel.value };
  }
  /** "" = latest, "v:2" = version 2, "l:stable" = a label. */
  function v1Path(name, pick) {
    var base = "/v1/models/" + encodeURIComponent(name);
    if (pick.indexOf("v:") === 0) return base + "/versions/" + pick.slice(2);
    if (pick.indexOf("l:") === 0) return base + "/labels/" + encodeURIComponent(pick.slice(2));
    return base;
  }
  function v2Path(model, pick) {
    var base = "/v2/models/" + encodeURIComponent(model.name);
    if (pick.indexOf("v:") === 0) return base + "/versions/" + pick.slice(2);
    if (pick.indexOf("l:") === 0) return base + "/versions/" + model.labels[pick.slice(2)];
    return base;
  }

  function fillVersions() {
    var m = selected().model;
    clear(versionSel).appendChild(el("option", { value: "", text: "latest" }));
    if (!m) return;
    m.versions.slice().sort(function (a, b) { return b - a; }).forEach(function (v) {
      versionSel.appendChild(el("option", { value: "v:" + v, text: "version " + v }));
    });
    Object.keys(m.labels || {}).forEach(function (label) {
      versionSel.appendChild(el("option", { value: "l:" + label, text: "label " + label + " (version " + m.labels[label] + ")" }));
    });
  }

  function exampleData(input) {
    var shape = input.shape.map(function (d) { return d < 0 ? 1 : d; });
    var count = shape.reduce(function (n, d) { return n * d; }, 1);
    var value = input.datatype === "BYTES" ? "text" : input.datatype === "BOOL" ? false : 0;
    var data = []; for (var i = 0; i < count; i++) data.push(value);
    return { name: input.name, shape: shape, datatype: input.datatype, data: data };
  }

  function showForm() {
    var s = selected();
    var isFlights = !!s.model && s.model.name === "flights";
    $("flight-fields").hidden = !isFlights;
    $("json-fields").hidden = isFlights || !s.model;
    if (isFlights || !s.model) return Promise.resolve();
    setStatus("reading the model's inputs…");
    var asked = ++formRequests;
    return api("GET", v2Path(s.model, s.version)).then(function (r) {
      if (asked !== formRequests) return; // a later pick is on its way
      setStatus("");
      if (!r.res.ok) { $("body").value = ""; return showError(r); }
      var tensors = r.json.inputs.map(function (input) { return JSON.stringify(exampleData(input)); });
      $("body").value = '{\n  "id": "playground-1",\n  "inputs": [\n    ' + tensors.join(",\n    ") + "\n  ]\n}";
    });
  }

  function showError(r) {
    $("result").hidden = false;
    $("error").hidden = false;
    $("error").textContent = (r.json && r.json.error) || ("HTTP " + r.res.status + ": " + r.text.slice(0, 200));
  }

  function parseServerTiming(header) {
    if (!header) return [];
    return header.split(",").map(function (entry) {
      var parts = entry.split(";").map(function (p) { return p.trim(); });
      var out = { name: parts[0], dur: undefined, desc: "" };
      parts.slice(1).forEach(function (p) {
        var i = p.indexOf("="); if (i < 0) return;
        var k = p.slice(0, i).toLowerCase(), v = p.slice(i + 1).replace(/^"|"$/g, "");
        if (k === "dur") out.dur = Number(v); if (k === "desc") out.desc = v;
      });
      return out;
    }).filter(function (t) { return t.name; });
  }

  function pct(x) { return typeof x === "number" ? (x * 100).toFixed(1) + " %" : "–"; }
  function num(x) { return typeof x === "number" ? x.toLocaleString("en-US") : "–"; }

  function contextTable(ctx) {
    var rows = [["origin", ctx.origin], ["destination", ctx.destination], ["route", ctx.route]].map(function (r) {
      var v = r[1] || {};
      return el("tr", {}, [el("th", { scope: "row", text: r[0] }), el("td", { class: "num", text: pct(v.late_rate) }), el("td", { class: "num", text: num(v.flights) })]);
    });
    var table = el("table", {}, [
      el("caption", { class: "sr-only", text: "Historic late rates" }),
      el("thead", {}, [el("tr", {}, [el("th", { text: "Jan–Mar history" }), el("th", { class: "num", text: "late" }), el("th", { class: "num", text: "flights" })])]),
      el("tbody", {}, rows),
    ]);
    var live = [["origin", ctx.origin_live], ["destination", ctx.destination_live]].map(function (r) {
      var c = r[1] || {}, dep = c.departures_recent || {}, arr = c.arrivals_recent || {}, s = c.scheduled || {};
      return el("tr", {}, [el("th", { scope: "row", text: r[0] }),
        el("td", { class: "num", text: num(dep.flights) + " (" + num(dep.late) + " late)" }),
        el("td", { class: "num", text: num(arr.flights) + " (" + num(arr.late) + " late)" }),
        el("td", { class: "num", text: num(s.departures) + " / " + num(s.arrivals) })]);
    });
    var asOf = "Known at " + (ctx.as_of || "–") + " (" + num(ctx.lead_minutes) + " min before departure)";
    var table2 = el("table", {}, [
      el("caption", { class: "sr-only", text: "Same-day context known at the prediction time" }),
      el("thead", {}, [el("tr", {}, [el("th", { text: asOf }), el("th", { class: "num", text: "departures landed, last 3 h" }), el("th", { class: "num", text: "arrivals landed, last 3 h" }), el("th", { class: "num", text: "scheduled dep / arr that hour" })])]),
      el("tbody", {}, live),
    ]);
    var note = el("p", { class: "muted", text: "missing keys: " + ((ctx.missing || []).join(", ") || "none") + (ctx.degraded ? " · KV degraded (defaults used)" : "") });
    return el("div", {}, [table, el("br"), table2, note, el("details", {}, [el("summary", { text: "Context JSON" }), el("pre", { text: JSON.stringify(ctx, null, 2) })])]);
  }

  function showAnswer(r, versionFromBody) {
    $("result").hidden = false;
    $("error").hidden = true;
    $("raw").textContent = JSON.stringify(r.json, null, 2);
    $("version-used").textContent = r.res.headers.get("x-model-version") || versionFromBody || "–";
    $("rtt").textContent = r.ms.toFixed(1) + " ms (measured in this browser)";
    var timings = parseServerTiming(r.res.headers.get("server-timing"));
    var list = clear($("timings"));
    if (timings.length === 0) list.textContent = "not sent by this server";
    timings.forEach(function (t) {
      list.appendChild(el("span", { class: "tag", "data-timing": t.name, text: t.name + (t.dur !== undefined ? " " + t.dur + " ms" : "") + (t.desc ? " (" + t.desc + ")" : "") }));
      list.appendChild(document.createTextNode(" "));
    });
  }

  function predictFlight(s) {
    var row = {
      origin: $("origin").value.trim().toUpperCase(),
      destination: $("destination").value.trim().toUpperCase(),
      departure: $("departure").value.slice(0, 16),
      distance: Number($("distance").value),
    };
    var path = v1Path("flights", s.version) + ":predict";
    var body = { instances: [row] };
    $("request-line").textContent = "POST " + path + " " + JSON.stringify(body);
    return api("POST", path, body).then(function (r) {
      clear($("prediction")); $("context-block").hidden = true;
      if (!r.res.ok) { showAnswer(r); return showError(r); }
      showAnswer(r);
      var p = r.json.predictions[0];
      var late = p.delayed === true;
      $("prediction").appendChild(el("p", {}, [
        el("span", { class: "big", text: pct(p.delay_probability) }), " chance of arriving more than 15 minutes late ",
        el("span", { class: "tag " + (late ? "late" : "ontime"), text: late ? "likely late" : "likely on time" }),
      ]));
      $("prediction").appendChild(el("p", { class: "muted" }, ["delay_probability = ", el("code", { id: "probability", text: String(p.delay_probability) })]));
      if (p.context) { clear($("context")).appendChild(contextTable(p.context)); $("context-block").hidden = false; }
    });
  }

  function predictJson(s) {
    var path = v2Path(s.model, s.version) + "/infer";
    var text = $("body").value;
    $("request-line").textContent = "POST " + path;
    return api("POST", path, text).then(function (r) {
      clear($("prediction")); $("context-block").hidden = true;
      showAnswer(r, r.json && r.json.model_version);
      if (!r.res.ok) return showError(r);
      var rows = r.json.outputs.map(function (o) {
        return el("tr", {}, [el("th", { scope: "row" }, [el("code", { text: o.name })]), el("td", { text: o.datatype }), el("td", { text: JSON.stringify(o.shape) }), el("td", {}, [el("code", { text: JSON.stringify(o.data) })])]);
      });
      $("prediction").appendChild(el("table", {}, [
        el("thead", {}, [el("tr", {}, [el("th", { text: "output" }), el("th", { text: "datatype" }), el("th", { text: "shape" }), el("th", { text: "data" })])]),
        el("tbody", {}, rows),
      ]));
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var s = selected();
    if (!s.model) return;
    $("predict").disabled = true; setStatus("predicting…");
    (s.model.name === "flights" ? predictFlight(s) : predictJson(s))
      .catch(function (err) { showError({ res: { status: 0 }, text: String(err), json: undefined }); })
      .then(function () { $("predict").disabled = false; setStatus(""); });
  });
  modelSel.addEventListener("change", function () { $("result").hidden = true; fillVersions(); showForm(); });
  versionSel.addEventListener("change", showForm);

  function load() {
    setStatus("loading models…");
    return api("GET", "/").then(function (r) {
      setStatus("");
      if (!r.res.ok) { showError(r); return; }
      models = r.json.models;
      clear(modelSel);
      models.forEach(function (m) { modelSel.appendChild(el("option", { value: m.name, text: m.name })); });
      var preferred = models.some(function (m) { return m.name === "flights"; }) ? "flights" : (models[0] && models[0].name);
      modelSel.value = preferred || "";
      fillVersions();
      return showForm();
    }).then(function () { document.body.setAttribute("data-ready", "true"); });
  }
  $("apikey").addEventListener("change", load);
  load();
})();
`;
