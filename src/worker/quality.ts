/**
 * The quality sink the log consumer folds each written batch into (core/monitoring/record.ts
 * QualitySink). None is wired yet: the live-quality Durable Object plugs in here, one line.
 */
import type { QualitySink } from "../core/monitoring/record.ts";

export function qualitySink(_env: Env): QualitySink | undefined {
  return undefined;
}
