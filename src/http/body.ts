/**
 * Reading a JSON request body with the checks every bad input deserves a 4xx for:
 * content type (415; not on TF Serving's v1 routes, which read any body as JSON as TF Serving
 * does), Content-Encoding (gzip/deflate decoded, others 415: ./encoding.ts), size (413, before
 * and while reading, counted after decoding), UTF-8, and JSON syntax (400);
 * and the raw bytes of a v2 binary tensor data body under the same size limit.
 */
import { invalidInput, payloadTooLarge, unsupportedMediaType } from "../core/errors.ts";
import { codingsOf, decoded } from "./encoding.ts";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function checkContentType(header: string | null): void {
  if (header === null) return; // clients of TF Serving often send none; the body must still be JSON
  const [type = "", ...params] = header.split(";").map((p) => p.trim());
  if (!JSON_TYPE.test(type)) {
    throw unsupportedMediaType(`Content-Type: expected application/json, got '${header}'`);
  }
  const charset = params.find((p) => p.toLowerCase().startsWith("charset="));
  if (charset && !/^charset="?utf-8"?$/i.test(charset)) {
    throw unsupportedMediaType(`Content-Type: expected charset=utf-8, got '${charset}'`);
  }
}

async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  const codings = codingsOf(request.headers.get("content-encoding"));
  const declared = request.headers.get("content-length");
  // Content-Length counts the bytes on the wire: a bound only when they are the body itself.
  if (codings.length === 0 && declared !== null && Number(declared) > maxBytes) {
    throw payloadTooLarge(`request body: at most ${maxBytes} bytes are allowed, Content-Length says ${declared}`);
  }
  if (!request.body) return new Uint8Array();
  if (codings.length === 0 && declared !== null) {
    // A plain body of a declared length within the limit: one native read, no chunk loop.
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > maxBytes)
      throw payloadTooLarge(`request body: at most ${maxBytes} bytes are allowed, got more`);
    return bytes;
  }
  const reader = decoded(request.body, codings).getReader();
  const decodedText = codings.length > 0 ? ` once decoded (${codings.join(", ")})` : "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (err) {
      if (codings.length === 0) throw err;
      throw invalidInput(`request body: not valid ${codings.join(", ")} data (${(err as Error).message})`);
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw payloadTooLarge(`request body: at most ${maxBytes} bytes are allowed${decodedText}, got more`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export interface JsonBodyOptions {
  /** Read the body as JSON whatever its Content-Type (TF Serving never checks it; its curl examples send none or a form type). */
  anyContentType?: boolean;
}

export async function readJson(request: Request, maxBytes: number, options: JsonBodyOptions = {}): Promise<unknown> {
  if (!options.anyContentType) checkContentType(request.headers.get("content-type"));
  const bytes = await readCapped(request, maxBytes);
  if (bytes.byteLength === 0) throw invalidInput("request body: expected a JSON object, got an empty body");
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw invalidInput("request body: expected UTF-8 text, got bytes that are not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidInput(`request body: not valid JSON (${(err as Error).message})`);
  }
}

const BINARY_TYPE = /^application\/octet-stream$/i;
const SAGEMAKER_TYPE = /^application\/vnd\.sagemaker-triton\.binary\+json$/i;

/**
 * The JSON header length of a v2 binary tensor data body: the `Inference-Header-Content-Length`
 * header, or the `json-header-size` parameter of SageMaker's
 * `application/vnd.sagemaker-triton.binary+json` content type; undefined for a plain JSON body.
 */
export function binaryHeaderLength(headers: Headers): string | undefined {
  const length = headers.get("inference-header-content-length");
  if (length !== null) return length;
  const [type = "", ...params] = (headers.get("content-type") ?? "").split(";").map((p) => p.trim());
  if (!SAGEMAKER_TYPE.test(type)) return undefined;
  const size = params.find((p) => p.toLowerCase().startsWith("json-header-size="));
  return size === undefined ? "" : size.slice("json-header-size=".length);
}

/**
 * The raw bytes of a binary tensor data body, at most `maxBytes`. Content-Type may be absent,
 * application/octet-stream, SageMaker's binary+json, or JSON (clients differ); others are 415.
 */
export async function readBinary(request: Request, maxBytes: number): Promise<Uint8Array> {
  const header = request.headers.get("content-type");
  const type = header?.split(";")[0]?.trim() ?? "";
  if (header !== null && !BINARY_TYPE.test(type) && !SAGEMAKER_TYPE.test(type) && !JSON_TYPE.test(type)) {
    throw unsupportedMediaType(
      `Content-Type: expected application/octet-stream for a binary tensor body, got '${header}'`,
    );
  }
  const bytes = await readCapped(request, maxBytes);
  if (bytes.byteLength === 0)
    throw invalidInput("request body: expected a JSON inference header and tensor bytes, got an empty body");
  return bytes;
}

/** Like readJson, but an absent body gives `undefined` (for routes whose body is optional). */
export async function readOptionalJson(request: Request, maxBytes: number): Promise<unknown> {
  const length = request.headers.get("content-length");
  if (!request.body || length === "0") return undefined;
  return readJson(request, maxBytes);
}
