/**
 * `Content-Encoding` of request bodies: gzip and deflate are decoded as the body streams in
 * (tritonclient sends them with `request_compression_algorithm`; TF Serving's HTTP server reads
 * them), identity passes through, anything else is 415. The caller counts the DECODED bytes
 * against MAX_BODY_BYTES and stops reading past it, so a zip bomb is never decoded whole.
 */
import { unsupportedMediaType } from "../core/errors.ts";

export type Coding = "gzip" | "deflate";

/** The codings a header names, outermost last (as applied by the sender); [] for none or identity. */
export function codingsOf(header: string | null): Coding[] {
  if (header === null) return [];
  const codings: Coding[] = [];
  for (const raw of header.split(",")) {
    const coding = raw.trim().toLowerCase();
    if (coding === "" || coding === "identity") continue;
    if (coding === "gzip" || coding === "x-gzip") codings.push("gzip");
    else if (coding === "deflate") codings.push("deflate");
    else throw unsupportedMediaType(`Content-Encoding: expected gzip, deflate or identity, got '${raw.trim()}'`);
  }
  return codings;
}

/** The body decoded through each coding, last applied first undone. */
export function decoded(body: ReadableStream<Uint8Array>, codings: readonly Coding[]): ReadableStream<Uint8Array> {
  return codings.reduceRight<ReadableStream<Uint8Array>>(
    (stream, coding) =>
      stream.pipeThrough(new DecompressionStream(coding) as ReadableWritablePair<Uint8Array, Uint8Array>),
    body,
  );
}
