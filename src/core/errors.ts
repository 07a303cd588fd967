/**
 * The one error type of the serving core. `status` is the HTTP status the transports
 * answer with; `message` is public (safe to show a client: no stack, no internals);
 * `code` is a stable machine-readable name callers can branch on (it also survives RPC).
 */
export type ErrorCode =
  | "INVALID_INPUT"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "PAYLOAD_TOO_LARGE"
  | "NOT_FOUND"
  | "MODEL_NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "UNAUTHORIZED"
  | "RATE_LIMITED"
  | "MODEL_NOT_READY"
  | "INTERNAL";

/** Longest public message: client values are described short, and this caps whatever a message quotes. */
export const MAX_MESSAGE_CHARS = 1000;

/** A public message cut to MAX_MESSAGE_CHARS (every ServeError's, and every HTTP error body's). */
export const boundMessage = (message: string): string =>
  message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}… (message cut)` : message;

export class ServeError extends Error {
  override readonly name = "ServeError";
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(boundMessage(message));
  }
}

export const invalidInput = (message: string) => new ServeError(400, "INVALID_INPUT", message);
export const modelNotFound = (message: string) => new ServeError(404, "MODEL_NOT_FOUND", message);
export const notFound = (message: string) => new ServeError(404, "NOT_FOUND", message);
export const modelNotReady = (message: string) => new ServeError(503, "MODEL_NOT_READY", message);
export const payloadTooLarge = (message: string) => new ServeError(413, "PAYLOAD_TOO_LARGE", message);
export const unsupportedMediaType = (message: string) => new ServeError(415, "UNSUPPORTED_MEDIA_TYPE", message);

/** A client-supplied name quoted for a message, cut short when long: 'abc…' (64 characters at most). */
export function quoted(text: string): string {
  return `'${text.length > 64 ? `${text.slice(0, 64)}…` : text}'`;
}

/** Short, safe rendering of a client value for error messages ("what came"). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  switch (typeof value) {
    case "string": {
      const s = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `the string ${JSON.stringify(s)}`;
    }
    case "number":
      return Number.isFinite(value) ? `the number ${value}` : String(value);
    case "boolean":
      return `the boolean ${value}`;
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}
