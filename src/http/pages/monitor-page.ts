/**
 * `/monitor`: live quality, drift and context freshness per model version and arm, drawn from
 * GET /v2/models/{name}/quality by the page's own script (monitor-script.ts) as inline SVG. One
 * static page: it holds no figures itself, so it is open like /docs; the figures route needs the
 * API key when API_KEYS is set (the page has a field for it).
 */
import { MONITOR_SCRIPT } from "./monitor-script.ts";
import { STYLE } from "./style.ts";

const MONITOR_STYLE = `
.panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:1rem}
.panel h3{font-size:.95rem;margin:1rem 0 .4rem}
svg.plot{width:100%;max-width:20rem;height:auto}svg.plot.wide{max-width:40rem}svg.heatmap,svg.bars{max-width:100%;height:auto}
svg .frame{fill:none;stroke:var(--line)}svg .diag{stroke:var(--muted);stroke-dasharray:4 4}
svg .tick{font-size:10px;fill:var(--muted)}svg .axis{font-size:11px;fill:var(--fg)}
svg .curve{fill:none;stroke-width:2}svg .roc,svg .auc{stroke:var(--accent)}svg .cal,svg .ll{stroke:var(--warn)}svg .dot{fill:var(--warn);stroke:none}
.psi-low{fill:#3c9a5f;color:var(--ok)}.psi-mid{fill:#e0a030;color:var(--warn)}.psi-high{fill:#c8423a;color:var(--bad)}.psi-none{fill:var(--line)}
svg .seg.status-present{fill:#3c9a5f}svg .seg.status-missing{fill:#9aa3b2}svg .seg.status-stale{fill:#e0a030}svg .seg.status-future{fill:#7b61c4}svg .seg.status-error{fill:#c8423a}
`;

export const MONITOR_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>stateless-serve monitor</title><style>${STYLE}${MONITOR_STYLE}</style></head>
<body>
<header class="top"><h1>stateless-serve monitor</h1><p>live quality, drift and context freshness per version</p>
<nav><a href="/">Playground</a><a href="/docs">API docs</a></nav></header>
<main>
<form id="controls" class="card" novalidate>
  <div class="grid">
    <div><label for="model">Model</label><select id="model" name="model"><option value="">loading…</option></select></div>
    <div><label for="window">Window</label><select id="window" name="window"><option value="1h">last hour</option><option value="24h" selected>last 24 hours</option><option value="7d">last 7 days</option></select></div>
    <div><label for="apikey">API key <span class="hint">(only when API_KEYS is set)</span></label><input id="apikey" name="apikey" type="password" autocomplete="off" placeholder="Bearer key"></div>
  </div>
  <div class="actions"><button id="load" type="submit">Show</button><span id="status" class="muted" role="status"></span></div>
  <p id="error" class="tag error" role="alert" hidden></p>
</form>
<div id="reports" aria-live="polite"></div>
</main>
<script>${MONITOR_SCRIPT}</script>
</body></html>`;
