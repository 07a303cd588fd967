/**
 * `/docs`: the OpenAPI document rendered as one small HTML page on the server (no Swagger UI,
 * nothing fetched from elsewhere): every route with its parameters, body schema, responses and
 * curl examples. The only script copies an example to the clipboard.
 */
import { STYLE } from "./style.ts";

// biome-ignore lint/suspicious/noExplicitAny: walks an OpenAPI document of any shape, built by our own generator
type Json = Record<string, any>;

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

/** `code` spans of a Markdown-ish sentence, everything else escaped. */
const prose = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");

const anchor = (op: Json) => `op-${op.operationId as string}`;

function schemaBlock(title: string, schema: Json | undefined, doc: Json): string {
  if (!schema) return "";
  const name = typeof schema.$ref === "string" ? schema.$ref.split("/").pop()! : undefined;
  const resolved = name ? doc.components.schemas[name] : schema;
  return `<details><summary>${escapeHtml(title)}${name ? ` <code>${escapeHtml(name)}</code>` : ""}</summary><pre>${escapeHtml(JSON.stringify(resolved, null, 2))}</pre></details>`;
}

function operationHtml(method: string, path: string, op: Json, doc: Json): string {
  const parts = [
    `<article class="op" id="${anchor(op)}" data-route="${method.toUpperCase()} ${escapeHtml(path)}">`,
    `<h3><span class="method ${method}">${method.toUpperCase()}</span><code>${escapeHtml(path)}</code>${op.security?.length === 0 ? ' <span class="tag muted">no key needed</span>' : ""}</h3>`,
    `<p>${prose(op.summary)}</p>`,
  ];
  if (op.description) parts.push(`<p class="muted">${prose(op.description)}</p>`);
  if (op.parameters?.length) {
    const rows = (op.parameters as Json[]).map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${prose(p.description ?? "")}</td></tr>`,
    );
    parts.push(
      `<table><thead><tr><th>parameter</th><th>in</th><th>meaning</th></tr></thead><tbody>${rows.join("")}</tbody></table>`,
    );
  }
  const body = op.requestBody?.content?.["application/json"];
  if (body) parts.push(schemaBlock(`Request body${op.requestBody.required ? "" : " (optional)"}`, body.schema, doc));
  const responses = Object.entries(op.responses as Record<string, Json>).map(
    ([status, r]) => `<abbr title="${escapeHtml(r.description)}">${status}</abbr>`,
  );
  parts.push(`<p class="muted">Answers ${responses.join(" · ")}</p>`);
  const ok = op.responses["200"] ?? op.responses["202"];
  parts.push(schemaBlock("Response body", ok?.content?.["application/json"]?.schema, doc));
  for (const sample of (op["x-codeSamples"] ?? []) as Json[]) {
    parts.push(
      `<p class="muted">${escapeHtml(sample.label)} <button type="button" class="quiet copy" aria-label="Copy this example">Copy</button></p><pre><code class="example">${escapeHtml(sample.source)}</code></pre>`,
    );
  }
  parts.push("</article>");
  return parts.join("\n");
}

/** The page's one script (its sha256 goes into the Content-Security-Policy: ./headers.ts). */
export const COPY_SCRIPT = `document.addEventListener("click",function(e){var b=e.target;if(!b.classList||!b.classList.contains("copy"))return;
const code=b.parentElement.nextElementSibling.textContent;if(navigator.clipboard){navigator.clipboard.writeText(code).then(function(){b.textContent="Copied";setTimeout(function(){b.textContent="Copy"},1500)})}});`;

/** Each status once, with what it means (the routes list only the numbers). */
function statusLegend(doc: Json): string {
  const seen = new Map<string, string>();
  for (const item of Object.values(doc.paths as Record<string, Json>)) {
    for (const op of Object.values(item)) {
      for (const [status, r] of Object.entries(op.responses as Record<string, Json>))
        if (status !== "200" && status !== "202") seen.set(status, r.description);
    }
  }
  return [...seen]
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, text]) => `<dt>${status}</dt><dd>${prose(text)}</dd>`)
    .join("");
}

export function docsPage(doc: Json): string {
  const ops: Array<{ tag: string; html: string; method: string; path: string; op: Json }> = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, op] of Object.entries(item))
      ops.push({ tag: op.tags[0], html: operationHtml(method, path, op, doc), method, path, op });
  }
  const index = ops
    .map(
      ({ method, path, op }) =>
        `<li><a href="#${anchor(op)}"><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></a></li>`,
    )
    .join("");
  const sections = (doc.tags as Json[])
    .map(
      ({ name }) =>
        `<section class="card"><h2>${escapeHtml(name)}</h2>${ops
          .filter((o) => o.tag === name)
          .map((o) => o.html)
          .join("\n")}</section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.info.title)} API docs</title><style>${STYLE}
nav.routes ul{list-style:none;padding:0;margin:0;columns:2 22rem}nav.routes li{margin:.15rem 0;break-inside:avoid}nav.routes a{text-decoration:none;color:inherit}</style></head>
<body><header class="top"><h1>${escapeHtml(doc.info.title)} API <span class="muted">${escapeHtml(doc.info.version)}</span></h1>
<p>${prose(doc.info.summary)}</p><nav><a href="/">Playground</a><a href="/openapi.json">openapi.json</a></nav></header>
<main><section class="card"><h2>Routes</h2><p>${prose(doc.info.description)} Server: <code>${escapeHtml(doc.servers[0].url)}</code>.</p>
<nav class="routes" aria-label="All routes"><ul>${index}</ul></nav>
<h3>Statuses</h3><dl class="facts">${statusLegend(doc)}</dl></section>
${sections}</main><script>${COPY_SCRIPT}</script></body></html>`;
}
