import type { RequestScope } from "../deps.ts";

/** Hono's typing of this app: the Worker's bindings and the per-request scope. */
export interface AppEnv {
  Bindings: Env;
  Variables: { scope: RequestScope };
}
