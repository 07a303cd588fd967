/**
 * The request id: a valid `x-request-id` from the caller wins, else the trace id of a valid W3C
 * `traceparent`, else a fresh `crypto.randomUUID()`. It is echoed as `x-request-id` on every
 * response and carried by every log line of the request (src/http/middleware/observe.ts).
 *
 * Valid `x-request-id`: 1 to 128 characters from `A-Z a-z 0-9 - _ . : / + = @ ~` (anything else,
 * e.g. spaces, quotes or control characters that could forge log fields, is ignored, not echoed).
 * Valid `traceparent` (W3C Trace Context): `vv-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`,
 * lowercase, version not `ff`, ids not all zero; version 00 has nothing after the flags.
 */
const REQUEST_ID = /^[A-Za-z0-9\-_.:/+=@~]{1,128}$/;
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$/;

/** The trace id of a valid `traceparent`, else undefined. */
export function traceIdOf(traceparent: string | null | undefined): string | undefined {
  const match = TRACEPARENT.exec(traceparent?.trim() ?? "");
  if (!match) return undefined;
  const [, version, traceId, parentId, rest] = match;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  return traceId;
}

export function requestIdOf(headers: Headers): string {
  const given = headers.get("x-request-id")?.trim();
  if (given && REQUEST_ID.test(given)) return given;
  return traceIdOf(headers.get("traceparent")) ?? crypto.randomUUID();
}
