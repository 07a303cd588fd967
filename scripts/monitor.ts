/**
 * `npm run monitor -- --model NAME [--url URL] [--window 1h|24h|7d] [--key KEY] [--json]`: the
 * figures of GET /v2/models/{name}/quality as terminal tables (scripts/monitor/render.ts).
 */
import { parseArgs } from "node:util";
import type { QualityDocument } from "../src/core/monitoring/report.ts";
import { exitOnHelp } from "./help.ts";
import { renderQuality } from "./monitor/render.ts";

exitOnHelp({
  script: "monitor",
  args: "-- --model NAME [--url URL] [--window 1h|24h|7d] [--key KEY] [--json]",
  summary: `Prints a model's live quality, drift and context freshness per version and arm, as the /monitor
page shows them: it reads GET /v2/models/{name}/quality from a running server (npm start, or a deployed
Worker) and renders the figures of one window as tables (formulas: docs/monitoring.md).`,
  options: [
    ["--model NAME", "the model (required)"],
    ["--url URL", "the server (default http://127.0.0.1:8787, npm start's)"],
    ["--window W", "1h, 24h or 7d (default 24h)"],
    ["--key KEY", "API key, when API_KEYS is set (default: $API_KEY)"],
    ["--json", "print the route's JSON instead of tables"],
  ],
  examples: [
    "npm run monitor -- --model flights",
    "npm run monitor -- --model flights --window 7d --url https://serve.example.com",
  ],
});

const WINDOWS = ["1h", "24h", "7d"];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      model: { type: "string" },
      url: { type: "string", default: "http://127.0.0.1:8787" },
      window: { type: "string", default: "24h" },
      key: { type: "string" },
      json: { type: "boolean" },
    },
    strict: true,
  });
  if (!values.model) {
    console.error("error: --model NAME is required (npm run monitor -- --help)");
    return 2;
  }
  if (!WINDOWS.includes(values.window)) {
    console.error(`error: --window: one of ${WINDOWS.join(", ")}, got ${values.window}`);
    return 2;
  }
  const url = `${values.url.replace(/\/$/, "")}/v2/models/${encodeURIComponent(values.model)}/quality?window=${values.window}`;
  const key = values.key ?? process.env.API_KEY;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    });
  } catch (err) {
    console.error(`error: ${url}: ${(err as Error).message} (is the server running? npm start)`);
    return 1;
  }
  const text = await res.text();
  if (!res.ok) {
    console.error(`error: ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return 1;
  }
  if (values.json) {
    console.log(text);
    return 0;
  }
  for (const line of renderQuality(JSON.parse(text) as QualityDocument, values.window)) console.log(line);
  return 0;
}

process.exitCode = await main();
