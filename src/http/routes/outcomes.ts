/**
 * POST /v2/models/{name}/outcomes (docs/monitoring.md, "Outcomes"): true values for row keys,
 * behind their own keys (the secret OUTCOME_KEYS, `Authorization: Bearer <key>`), separate from
 * the prediction keys (API_KEYS) and the ingestion keys; with OUTCOME_KEYS unset the route is
 * closed (403). The whole body is validated first (a bad row: 400 naming `outcomes[i].field`,
 * nothing applied), then folded into the model's Monitor object, which answers the counts:
 * idempotent by key and value, the latest `time` winning for a key.
 */
import { Hono } from "hono";
import { parseModelRef } from "../../core/models/ref.ts";
import { hashedKey, parseOutcomes } from "../../core/monitoring/outcomes.ts";
import { foldOutcomes, monitoringOf } from "../../worker/monitor.ts";
import { requestScope } from "../../worker/scope.ts";
import type { AppEnv } from "../app-env.ts";
import { readJson } from "../body.ts";
import { writeKeyAuth } from "../middleware/auth.ts";
import { settingsOf } from "../settings.ts";

/** Largest outcomes body (1000 outcomes of a few hundred bytes). */
const MAX_OUTCOMES_BYTES = 1_048_576;

export const outcomes = new Hono<AppEnv>();

outcomes.post(
  "/:name/outcomes",
  writeKeyAuth({
    keys: (access) => access.outcomeKeys,
    closed: "outcomes are closed: no OUTCOME_KEYS are configured",
    kind: "outcome",
    realm: 'Bearer realm="stateless-serve-outcomes"',
  }),

  async (c) => {
    const settings = settingsOf(c);
    const { name } = parseModelRef({ name: c.req.param("name") });
    const body = await readJson(c.req.raw, MAX_OUTCOMES_BYTES);
    const parsed = parseOutcomes(body, name);
    // The model must exist (404 otherwise); its default version says whether keys are logged hashed.
    const { deps } = requestScope(c.env, settings, { requestId: c.var.requestId });
    const { version } = await deps.registry.resolve({ name });
    const hashed = (await monitoringOf(deps, name, version))?.hash_key === true;
    const rows = hashed ? await Promise.all(parsed.map(async (o) => ({ ...o, key: await hashedKey(o.key) }))) : parsed;
    return c.json({ model: name, ...(await foldOutcomes(c.env, settings, rows)) });
  },
);
