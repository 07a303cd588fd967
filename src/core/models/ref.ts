/**
 * The one ModelRef parser: what a model reference may hold, for v1 and v2 URLs and RPC arguments
 * alike. URL segments arrive as strings, RPC options as any structured-clone value; both get the
 * same checks and messages that name the field, what was expected and what came. Every transport
 * parses here before any KV or R2 read, so a name, label or version no record could hold (too
 * long, other characters, a version with leading zeros or above 2^53-1) is a 400 that costs no read.
 */
import { describeValue, invalidInput } from "../errors.ts";
import { isVersionKey, NAME_PATTERN } from "./record.ts";

export interface ModelRef {
  name: string;
  version?: number;
  label?: string;
  /** For unqualified requests: the key a canary split hashes (see core/models/routing.ts). */
  routingKey?: () => string | undefined;
}

const EXPECTED_VERSION = "a non-negative integer without leading zeros, at most 2^53-1";
const EXPECTED_NAME = "1-128 letters, digits, '_', '.' or '-', starting with a letter or digit";

/** A version as a URL segment ("2") or an RPC number (2). */
export function parseVersion(raw: unknown): number {
  if (typeof raw === "string") {
    if (!isVersionKey(raw)) throw invalidInput(`version: expected ${EXPECTED_VERSION}, got ${describeValue(raw)}`);
    return Number(raw);
  }
  if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw < 0) {
    throw invalidInput(`version: expected ${EXPECTED_VERSION}, got ${describeValue(raw)}`);
  }
  return raw;
}

function checkName(field: "model" | "label", value: string): string {
  if (!NAME_PATTERN.test(value)) {
    throw invalidInput(
      `${field}: expected a ${field === "model" ? "model name" : "label"} of ${EXPECTED_NAME}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A reference from its parts: a name, and at most one of version and label. */
export function parseModelRef(parts: { name: unknown; version?: unknown; label?: unknown }): ModelRef {
  const { name, version, label } = parts;
  if (typeof name !== "string" || name === "")
    throw invalidInput(`model: expected a model name, got ${describeValue(name)}`);
  checkName("model", name);
  if (version !== undefined && label !== undefined) throw invalidInput("options: give 'version' or 'label', not both");
  if (version !== undefined) return { name, version: parseVersion(version) };
  if (label !== undefined) {
    if (typeof label !== "string") throw invalidInput(`label: expected a string, got ${describeValue(label)}`);
    return { name, label: checkName("label", label) };
  }
  return { name };
}
