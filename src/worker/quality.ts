/**
 * The quality sink the log consumer folds each written batch into (core/monitoring/record.ts
 * QualitySink): the Monitor objects (./monitor.ts), one per model, when MONITOR is bound. Each
 * version's manifest `monitoring` section comes from the registry, as a request would load it.
 */
import type { QualitySink } from "../core/monitoring/record.ts";
import { monitorQualitySink } from "./monitor.ts";
import { requestScope } from "./scope.ts";
import { settingsFrom } from "./settings.ts";

export function qualitySink(env: Env): QualitySink | undefined {
  if (!(env as { MONITOR?: unknown }).MONITOR) return undefined;
  const settings = settingsFrom(env as unknown as Record<string, unknown>);
  return monitorQualitySink(env, settings, requestScope(env, settings).deps);
}
