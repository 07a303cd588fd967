import type { RequestScope } from "../worker/scope.ts";
import type { Settings } from "../worker/settings.ts";

/** Hono's typing of this app: the Worker's bindings and the per-request scope. */
export interface AppEnv {
  Bindings: Env;
  /**
   * `principal`: the caller as auth saw it (`key:<sha256 prefix>` or `ip:<address>`).
   * `requestId`: set first thing by ./middleware/observe.ts, carried by every log line of the request.
   * `settings`: parsed from `env` once per request (./settings.ts).
   */
  Variables: { scope: RequestScope; settings?: Settings; principal?: string; requestId?: string };
}
