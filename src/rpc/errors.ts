/**
 * How errors cross the RPC boundary. Pure (no runtime imports): consumers import `parseRpcError`.
 *
 * What survives an RPC throw depends on BOTH Workers' compatibility settings (measured on workerd
 * 2026-04-26): with `enhanced_error_serialization` (default from 2026-04-21) an error keeps its
 * custom `name` and own properties; without it on the caller, `name` is folded into the message
 * ("ServeError: …") and properties are dropped; without it on the callee, `name` is dropped. The
 * one thing that arrives identically in every combination is the message of a plain `Error`.
 * So every Predictor failure is a plain Error whose message carries the code and status:
 *
 *     ServeError [INVALID_INPUT 400]: instances[0]: missing input 'x'
 *
 * It also has own properties `code` and `status`, which arrive when both sides have enhanced
 * serialization; `parseRpcError` reads the message, which always arrives.
 */
import type { ErrorCode } from "../core/errors.ts";

export type { ErrorCode };

export interface RpcErrorInfo {
  /** The server's stable code; "UNKNOWN" when the error did not come from stateless-serve's contract. */
  code: ErrorCode | "UNKNOWN";
  /** The HTTP status the same failure gets on the HTTP routes (502 for "UNKNOWN": the call itself failed). */
  status: number;
  /** The public message, exactly as the HTTP routes put it in `{"error": …}`. */
  message: string;
}

const PATTERN = /^ServeError \[([A-Z_]+) (\d{3})\]: ([\s\S]*)$/;

/** The error Predictor throws for a failure with this code, status and public message. */
export function rpcError(info: { code: ErrorCode; status: number; message: string }): Error {
  const err = new Error(`ServeError [${info.code} ${info.status}]: ${info.message}`);
  return Object.assign(err, { code: info.code, status: info.status });
}

/** Reads what a rejected `env.ML.*()` call says: code, status and message, whichever Workers' settings. */
export function parseRpcError(err: unknown): RpcErrorInfo {
  const text = err instanceof Error ? err.message : String(err);
  const match = PATTERN.exec(text);
  if (!match) return { code: "UNKNOWN", status: 502, message: text };
  return { code: match[1] as ErrorCode, status: Number(match[2]), message: match[3]! };
}
