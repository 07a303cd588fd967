/**
 * What another Worker imports to call stateless-serve over a service binding:
 *
 *     import type { Predictor } from "stateless-serve/client";   // or a relative path to this file
 *     import { parseRpcError } from "stateless-serve/client";
 *     interface Env { ML: Service<Predictor> }
 *     const { predictions } = await env.ML.predict("flights", [instance]);
 *
 * `Predictor` here is the contract (src/rpc/contract.ts) branded as a WorkerEntrypoint, so a consumer
 * type-checks against it without compiling the server (its Env, TF.js, Hono). The server's class
 * `implements` the same contract. `parseRpcError` is the only runtime code: pure, no imports.
 */
import type { PredictorApi } from "./rpc/contract.ts";

export type Predictor = PredictorApi & Rpc.WorkerEntrypointBranded;

export type * from "./rpc/contract.ts";
export { type ErrorCode, parseRpcError, type RpcErrorInfo } from "./rpc/errors.ts";
