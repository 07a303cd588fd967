/**
 * The one ModelRef parser: what a model reference may hold, for v1 and v2 URLs and RPC arguments
 * alike. URL segments arrive as strings, RPC options as any structured-clone value; both get the
 * same checks and messages that name the field, what was expected and what came.
 */
import { describeValue, invalidInput } from "../errors.ts";

export interface ModelRef {
  name: string;
  version?: number;
  label?: string;
  /** For unqualified requests: the key a canary split hashes (see core/models/routing.ts). */
  routingKey?: () => string | undefined;
}

const VERSION = /^\d+$/;

/** A version as a URL segment ("2") or an RPC number (2). */
export function parseVersion(raw: unknown): number {
  if (typeof raw === "string") {
    if (!VERSION.test(raw)) throw invalidInput(`version: expected a non-negative integer, got '${raw}'`);
    return Number(raw);
  }
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0) {
    throw invalidInput(`version: expected a non-negative integer, got ${describeValue(raw)}`);
  }
  return raw;
}

/** A reference from its parts: a name, and at most one of version and label. */
export function parseModelRef(parts: { name: unknown; version?: unknown; label?: unknown }): ModelRef {
  const { name, version, label } = parts;
  if (typeof name !== "string" || name === "")
    throw invalidInput(`model: expected a model name, got ${describeValue(name)}`);
  if (version !== undefined && label !== undefined) throw invalidInput("options: give 'version' or 'label', not both");
  if (version !== undefined) return { name, version: parseVersion(version) };
  if (label !== undefined) {
    if (typeof label !== "string") throw invalidInput(`label: expected a string, got ${describeValue(label)}`);
    return { name, label };
  }
  return { name };
}
