/**
 * Inside workerd: the HTTP app with the test project's bindings plus overrides (vars such as
 * API_KEYS, a fake RATE_LIMITER, or `undefined` to remove a binding), through test/support/client.ts.
 */
import { env } from "cloudflare:workers";
import { app } from "../../src/http/app.ts";
import { client } from "./client.ts";

export type Overrides = Record<string, unknown>;

export function envWith(overrides: Overrides = {}): Env {
  return { ...env, ...overrides } as Env;
}

export function appWith(overrides: Overrides = {}) {
  const bindings = envWith(overrides);
  return client(async (url, init) => app.request(url, init, bindings));
}
