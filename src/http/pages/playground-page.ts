/**
 * `/` for browsers: the playground. Pick a model and version, fill the inputs (a form built from
 * the model's metadata when each input is one value per row, with the declared context's
 * vocabularies and ranges; else a v2 JSON body to edit), press Predict, and see the prediction,
 * the per-lookup context statuses, the version that answered and the timings. One static page; its script (playground-script.ts) calls the API.
 */
import { PLAYGROUND_SCRIPT } from "./playground-script.ts";
import { STYLE } from "./style.ts";

export const PLAYGROUND_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>stateless-serve playground</title><style>${STYLE}</style></head>
<body>
<header class="top"><h1>stateless-serve playground</h1><p>TF.js models on Workers, with context from KV</p>
<nav><a href="/docs">API docs</a><a href="/openapi.json">openapi.json</a></nav></header>
<main>
<form id="form" class="card" novalidate>
  <h2>Request</h2>
  <div class="grid">
    <div><label for="model">Model</label><select id="model" name="model" required><option value="">loading…</option></select></div>
    <div><label for="version">Version</label><select id="version" name="version"><option value="">latest</option></select></div>
    <div><label for="apikey">API key <span class="hint">(only when API_KEYS is set)</span></label><input id="apikey" name="apikey" type="password" autocomplete="off" placeholder="Bearer key"></div>
  </div>
  <fieldset id="form-fields" hidden>
    <legend>Request fields <span class="hint">(from the model's metadata)</span></legend>
    <div id="fields" class="grid"></div>
    <div class="grid"><div><label for="as-of">as_of <span class="hint">optional ISO 8601 instant, e.g. 2015-06-01T12:00:00Z: context known later is not used</span></label><input id="as-of" name="as_of" type="text" autocomplete="off"></div></div>
    <p id="lookups-declared" class="muted"></p>
  </fieldset>
  <fieldset id="json-fields" hidden>
    <legend><label for="body">Inference request <span class="hint">(Open Inference Protocol v2 body, prefilled from the model's metadata)</span></label></legend>
    <textarea id="body" name="body" spellcheck="false"></textarea>
  </fieldset>
  <div class="actions"><button id="predict" type="submit">Predict</button><span id="status" class="muted" role="status"></span></div>
</form>
<section id="result" class="card" aria-live="polite" hidden>
  <h2>Answer</h2>
  <p id="error" class="tag error" role="alert" hidden></p>
  <div id="prediction"></div>
  <dl class="facts">
    <dt>Model version</dt><dd id="version-used">–</dd>
    <dt>Round trip</dt><dd id="rtt">–</dd>
    <dt>Server timing</dt><dd id="timings">–</dd>
    <dt>Request</dt><dd><code id="request-line"></code></dd>
  </dl>
  <div id="context-block" hidden><h2 class="spaced">Context</h2><div id="context"></div></div>
  <details><summary>Raw response</summary><pre id="raw"></pre></details>
</section>
</main>
<script>${PLAYGROUND_SCRIPT}</script>
</body></html>`;
