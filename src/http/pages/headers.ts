/**
 * Headers of the HTML pages: everything they use is inline or same-origin, so the policy
 * forbids loading anything from elsewhere (the pages work offline, and nothing can be injected
 * from a third party). No inline script runs but the page's own: `script-src` names the sha256
 * of the exact script the page carries (computed from the constant string; no 'unsafe-inline'),
 * so an injected <script> or event-handler attribute would not run.
 */
const encoder = new TextEncoder();

/** The CSP source expression of an inline script: `'sha256-<base64 of its UTF-8 bytes' sha256>'`. */
export async function scriptHash(script: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(script)));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}

/** The headers of a page whose only script is `script` (inline, exactly this text). */
export async function pageHeaders(script: string): Promise<Record<string, string>> {
  return {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": `default-src 'none'; script-src ${await scriptHash(script)}; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
}
