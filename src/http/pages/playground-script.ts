/**
 * The playground's browser script (plain ES2017, no build step, no dependencies). It reads the
 * model index from `GET /` (JSON) and each picked model's metadata (v2: inputs, their descriptions
 * and the declared context). Models whose inputs are one scalar per row get a form built
 * from that metadata and predict over v1 with `"context": true` (per-lookup statuses shown); others
 * get a v2 JSON body to edit. No model is named here.
 * Kept free of backticks and dollar-brace so it can live in a template string.
 */
export const PLAYGROUND_SCRIPT = String.raw`
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var models = [];
  var formRequests = 0;
  var mode = "";
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

  /** A form fits models whose every input is one scalar per row ([-1]); others get the JSON editor. */
  function formFits(meta) {
    return meta.inputs.length > 0 && meta.inputs.every(function (i) { return i.shape.length === 1 && i.shape[0] === -1; });
  }
  /** What the model declares about each request field (its context section), by name. */
  function declaredFields(meta) {
    var ctx = meta.parameters && meta.parameters.context;
    var out = {};
    ((ctx && ctx.fields) || []).forEach(function (f) { out[f.name] = f; });
    return out;
  }
  function fieldInput(input, declared) {
    var id = "field-" + input.name, node;
    if (declared && declared.vocabulary) {
      node = el("select", { id: id, name: input.name }, declared.vocabulary.map(function (v) { return el("option", { value: v, text: v }); }));
    } else if (input.datatype === "BOOL") {
      node = el("input", { id: id, name: input.name, type: "checkbox" });
    } else if (input.datatype === "BYTES") {
      node = el("input", { id: id, name: input.name, type: "text", autocomplete: "off" });
    } else {
      node = el("input", { id: id, name: input.name, type: "number", step: /INT/.test(input.datatype) ? "1" : "any" });
      if (declared && declared.range) { node.setAttribute("min", declared.range[0]); node.setAttribute("max", declared.range[1]); }
    }
    node.setAttribute("data-field", input.name);
    node.setAttribute("data-datatype", input.datatype);
    // The metadata's description already says a declared field's range and vocabulary.
    var hint = input.description || (declared && declared.description) || input.datatype.toLowerCase();
    return el("div", {}, [el("label", { for: id }, [input.name + " ", el("span", { class: "hint", text: hint })]), node]);
  }
  function buildForm(meta) {
    var declared = declaredFields(meta);
    var described = (meta.parameters && meta.parameters.input_descriptions) || {};
    var fields = clear($("fields"));
    meta.inputs.forEach(function (input) {
      fields.appendChild(fieldInput({ name: input.name, datatype: input.datatype, description: described[input.name] }, declared[input.name]));
    });
    var ctx = meta.parameters && meta.parameters.context;
    $("lookups-declared").textContent = ctx && ctx.lookups && ctx.lookups.length
      ? "Context from KV: " + ctx.lookups.map(function (l) { return l.name + " (" + l.key + (l.required ? ", required" : "") + ")"; }).join(", ")
      : "";
  }

  function showForm() {
    var s = selected();
    $("form-fields").hidden = true;
    $("json-fields").hidden = true;
    mode = "";
    if (!s.model) return Promise.resolve();
    setStatus("reading the model's inputs…");
    var asked = ++formRequests;
    return api("GET", v2Path(s.model, s.version)).then(function (r) {
      if (asked !== formRequests) return; // a later pick is on its way
      setStatus("");
      if (!r.res.ok) { $("body").value = ""; return showError(r); }
      if (formFits(r.json)) {
        buildForm(r.json);
        mode = "form";
        $("form-fields").hidden = false;
        return;
      }
      mode = "json";
      $("json-fields").hidden = false;
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

  function cell(v) { return typeof v === "string" ? v : JSON.stringify(v); }

  /** Declared context: one row per lookup with its status; any other context: its fields as given. */
  function contextTable(ctx) {
    var parts = [];
    if (ctx && ctx.lookups) {
      var rows = Object.keys(ctx.lookups).map(function (name) {
        var l = ctx.lookups[name];
        return el("tr", { "data-lookup": name }, [el("th", { scope: "row", text: name }), el("td", {}, [el("code", { text: l.key })]),
          el("td", {}, [el("span", { class: "tag status-" + l.status, "data-status": l.status, text: l.status })]),
          el("td", { text: l.updated_at || "–" }), el("td", {}, [el("code", { text: JSON.stringify(l.values) })])]);
      });
      parts.push(el("table", {}, [
        el("caption", { class: "sr-only", text: "Context lookups" }),
        el("thead", {}, [el("tr", {}, ["lookup", "key", "status", "updated_at", "values used"].map(function (h) { return el("th", { text: h }); }))]),
        el("tbody", {}, rows),
      ]));
      parts.push(el("p", { class: "muted", text: "as of " + ctx.as_of + (ctx.degraded ? " · KV degraded (defaults used)" : "") }));
    } else {
      var kv = Object.keys(ctx || {}).map(function (k) {
        return el("tr", {}, [el("th", { scope: "row", text: k }), el("td", {}, [el("code", { text: cell(ctx[k]) })])]);
      });
      parts.push(el("table", {}, [el("caption", { class: "sr-only", text: "Context" }), el("tbody", {}, kv)]));
    }
    parts.push(el("details", {}, [el("summary", { text: "Context JSON" }), el("pre", { text: JSON.stringify(ctx, null, 2) })]));
    return el("div", {}, parts);
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

  function formRow() {
    var row = {};
    Array.prototype.forEach.call($("fields").querySelectorAll("[data-field]"), function (node) {
      var type = node.getAttribute("data-datatype"), name = node.getAttribute("data-field");
      if (type === "BOOL") row[name] = node.checked;
      else if (type === "BYTES") row[name] = node.value;
      else row[name] = node.value.trim() === "" ? node.value : Number(node.value);
    });
    return row;
  }

  function predictForm(s) {
    var path = v1Path(s.model.name, s.version) + ":predict";
    var body = { instances: [formRow()], context: true };
    var asOf = $("as-of").value.trim();
    if (asOf) body.as_of = asOf;
    $("request-line").textContent = "POST " + path + " " + JSON.stringify(body);
    return api("POST", path, body).then(function (r) {
      clear($("prediction")); $("context-block").hidden = true;
      showAnswer(r);
      if (!r.res.ok) return showError(r);
      var p = r.json.predictions[0];
      var outputs = p !== null && typeof p === "object" && !Array.isArray(p) ? p : { prediction: p };
      var rows = Object.keys(outputs).filter(function (k) { return k !== "context"; }).map(function (k) {
        return el("tr", {}, [el("th", { scope: "row" }, [el("code", { text: k })]), el("td", {}, [el("code", { "data-output": k, text: cell(outputs[k]) })])]);
      });
      $("prediction").appendChild(el("table", {}, [
        el("thead", {}, [el("tr", {}, [el("th", { text: "output" }), el("th", { text: "value" })])]),
        el("tbody", {}, rows),
      ]));
      if (outputs.context) { clear($("context")).appendChild(contextTable(outputs.context)); $("context-block").hidden = false; }
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
    (mode === "form" ? predictForm(s) : predictJson(s))
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
      models.forEach(function (m) {
        // A model whose record is broken is listed, unavailable, with the reason as its title.
        var attrs = m.error ? { value: m.name, text: m.name + " (unavailable)", disabled: "", title: m.error } : { value: m.name, text: m.name };
        modelSel.appendChild(el("option", attrs));
      });
      var usable = models.filter(function (m) { return !m.error; });
      modelSel.value = (usable[0] && usable[0].name) || "";
      fillVersions();
      return showForm();
    }).then(function () { document.body.setAttribute("data-ready", "true"); });
  }
  $("apikey").addEventListener("change", load);
  load();
})();
`;
