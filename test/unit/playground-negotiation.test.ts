import { describe, expect, it } from "vitest";
import { PLAYGROUND_SCRIPT } from "../../src/http/pages/playground-script.ts";
import { prefersHtml } from "../../src/http/routes/playground.ts";

describe("GET / content negotiation", () => {
  it.each([
    ["text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", true], // Chromium
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true], // Firefox
    ["text/html", true],
    ["text/html;q=0.9, application/json;q=0.5", true],
    [undefined, false],
    ["", false],
    ["*/*", false], // curl
    ["application/json", false],
    ["application/json, text/html", false], // a tie keeps JSON
    ["text/html;q=0.5, application/json", false],
    ["text/html;q=0, */*", false],
    ["text/*", false], // only an explicit text/html picks the page
  ])("Accept %j prefers HTML: %s", (accept, html) => {
    expect(prefersHtml(accept)).toBe(html);
  });

  it("ships a playground script that parses as JavaScript and stays out of the template's way", () => {
    expect(() => new Function(PLAYGROUND_SCRIPT)).not.toThrow();
    expect(PLAYGROUND_SCRIPT).not.toMatch(/<\/script/i);
  });
});
