/**
 * Calling stateless-serve from this Worker: the typed binding, and its failures as HTTP errors.
 * Types and `parseRpcError` come from stateless-serve's client module, never copied here.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type Json, type Predictor, type PredictResponse, parseRpcError } from "stateless-serve/client";

/** The generated Env, with the service binding typed by stateless-serve's contract. */
export type Bindings = Omit<Env, "ML"> & { ML: Service<Predictor> };

/** An error answer: `{error, code?}` with the status stateless-serve gave (502 when the call itself failed). */
function failure(status: number, message: string, code?: string): HTTPException {
  const res = Response.json(code === undefined ? { error: message } : { error: message, code }, { status });
  return new HTTPException(status as ContentfulStatusCode, { res });
}

/** Runs an RPC call; a rejection becomes the same status and message the HTTP route would give. */
export async function rpc<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const { code, status, message } = parseRpcError(err);
    throw failure(status, message, code);
  }
}

/** TF Serving `:predict` through the binding's fetch form, answered in the RPC shape. */
export async function predictOverFetch(
  fetcher: { fetch: typeof fetch },
  base: string,
  model: string,
  instances: unknown[],
): Promise<PredictResponse> {
  const res = await fetcher.fetch(`${base}/v1/models/${encodeURIComponent(model)}:predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ instances }),
  });
  const body = (await res.json()) as { predictions?: Json[]; error?: string };
  if (!res.ok || !body.predictions) throw failure(res.status, body.error ?? `stateless-serve answered ${res.status}`);
  return { model_name: model, model_version: res.headers.get("x-model-version") ?? "", predictions: body.predictions };
}
