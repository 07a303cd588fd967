/**
 * The case table over RPC: each v1 row-format or v2 request that is a JSON body maps onto the same
 * call on the Predictor entrypoint (`predict` / `infer`); a case's explicit `rpc` wins. Requests that
 * only HTTP can carry (raw bytes, content types, GET, TF Serving's path grammar) have no RPC form.
 */

import { parseRpcError } from "../../src/client.ts";
import type { PredictorApi } from "../../src/rpc/contract.ts";
import { CASES, type Case, type ProtocolRequest, type RpcRequest } from "./cases.ts";

const V1 = /^\/v1\/models\/([^/:]+)(?:\/versions\/(\d+)|\/labels\/([^/:]+))?:predict$/;
const V2 = /^\/v2\/models\/([^/]+)(?:\/versions\/(\d+))?\/infer$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** The RPC call carrying the same request as an HTTP one, if there is one. */
export function rpcOf(protocol: "v1" | "v2", request: ProtocolRequest): RpcRequest | undefined {
  if ((request.method ?? "POST") !== "POST" || request.headers || !isObject(request.body)) return undefined;
  const body = request.body;
  if (protocol === "v1") {
    const m = V1.exec(request.path);
    const fields = ["instances", "signature_name", "as_of"];
    if (!m || !("instances" in body) || Object.keys(body).some((k) => !fields.includes(k))) return undefined;
    const options: Record<string, unknown> = {};
    if (m[2] !== undefined) options.version = Number(m[2]);
    if (m[3] !== undefined) options.label = m[3];
    if (body.signature_name !== undefined) options.signatureName = body.signature_name;
    if (body.as_of !== undefined) options.asOf = body.as_of;
    return { method: "predict", args: [m[1], body.instances, options] };
  }
  const m = V2.exec(request.path);
  if (!m) return undefined;
  return { method: "infer", args: [m[1], body, m[2] === undefined ? {} : { version: Number(m[2]) }] };
}

export interface RpcRun {
  label: string;
  case: Case;
  call: RpcRequest;
  /** The HTTP request the call mirrors (absent for RPC-only cases). */
  http?: ProtocolRequest;
}

/** Every case with an RPC form: explicit ones, then those derived from v1 and v2. */
export const RPC_RUNS: RpcRun[] = CASES.flatMap((c) => {
  const runs: RpcRun[] = [];
  if (c.rpc) runs.push({ label: `rpc: ${c.name}`, case: c, call: c.rpc });
  for (const protocol of ["v1", "v2"] as const) {
    const request = c[protocol];
    const call = request && rpcOf(protocol, request);
    if (call) runs.push({ label: `rpc (${protocol} body): ${c.name}`, case: c, call, http: request });
  }
  return runs;
});

export type RpcOutcome =
  | { ok: true; value: unknown }
  | { ok: false; status: number; code: string; message: string; error: unknown };

/** Calls a Predictor (a binding's stub, or the class itself) and settles into a comparable outcome. */
export async function callRpc(predictor: PredictorApi, call: RpcRequest): Promise<RpcOutcome> {
  const methods = predictor as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  try {
    // Called as a method: a binding's stub has no `.apply` on its members.
    return { ok: true, value: await methods[call.method]!(...call.args) };
  } catch (error) {
    return { ok: false, ...parseRpcError(error), error };
  }
}
