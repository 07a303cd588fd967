/**
 * `GET /` serves two audiences: API clients get the JSON index, browsers the playground page.
 * The page is chosen only when the Accept header prefers `text/html` to JSON (a browser's
 * `text/html,…,*\/*;q=0.8`); `*\/*`, no Accept, or a tie keep JSON.
 */
import { pageHeaders } from "../pages/headers.ts";
import { PLAYGROUND_PAGE } from "../pages/playground-page.ts";
import { PLAYGROUND_SCRIPT } from "../pages/playground-script.ts";

/** The q-value the Accept header gives a media type (exact match over `type/*` over `*\/*`). */
function quality(accept: string, type: string, wildcards: boolean): number {
  let best = -1;
  let q = 0;
  for (const range of accept.split(",")) {
    const [media = "", ...params] = range.split(";").map((p) => p.trim().toLowerCase());
    const specificity =
      media === type ? 2 : wildcards && media === `${type.split("/")[0]}/*` ? 1 : wildcards && media === "*/*" ? 0 : -1;
    if (specificity <= best) continue;
    best = specificity;
    const qParam = params.find((p) => p.startsWith("q="));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    q = Number.isFinite(value) ? value : 0;
  }
  return q;
}

export function prefersHtml(accept: string | undefined | null): boolean {
  if (!accept) return false;
  const html = quality(accept, "text/html", false);
  return html > 0 && html > quality(accept, "application/json", true);
}

export async function playgroundResponse(): Promise<Response> {
  return new Response(PLAYGROUND_PAGE, { headers: { ...(await pageHeaders(PLAYGROUND_SCRIPT)), vary: "Accept" } });
}
