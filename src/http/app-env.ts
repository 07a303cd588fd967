import type { RequestScope } from "../worker/scope.ts";

/** Hono's typing of this app: the Worker's bindings and the per-request scope. */
export interface AppEnv {
  Bindings: Env;
  /**
   * `principal`: the caller as auth saw it (`key:<sha256 prefix>` or `ip:<address>`).
   * `requestId`: set first thing by ./observe.ts, carried by every log line of the request.
   */
  Variables: { scope: RequestScope; principal?: string; requestId?: string };
}
