/**
 * `label N L V`, `rollback N L` and `canary N P`: one read and one write of the model's pointer
 * record each. Labels may point at published versions or at versions bundled in the Worker.
 */
import {
  CANARY_LABEL,
  DEFAULT_LABEL,
  type ModelRecord,
  NAME_PATTERN,
  recordKey,
} from "../../src/core/models/record.ts";
import { bundledVersions } from "./bundled.ts";
import { CliError, usageError } from "./cli-error.ts";
import type { Log } from "./publish.ts";
import { emptyRecord, parseRecord, publishedVersions, rolledBack, withCanary, withLabel } from "./record.ts";
import type { RepositoryStore } from "./store.ts";

export function checkName(kind: "model" | "label", value: string): string {
  if (!NAME_PATTERN.test(value))
    throw usageError(
      `${kind} name '${value}' must be 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  return value;
}

export function parseVersion(text: string): number {
  if (!/^(0|[1-9]\d*)$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw usageError(
      `version must be a whole number (0, 1, 2, …) without leading zeros, at most 2^53-1, got '${text}'`,
    );
  return Number(text);
}

async function read(store: RepositoryStore, name: string, log: Log): Promise<ModelRecord | undefined> {
  log(`reading ${recordKey(name)} (${store.where})`);
  const text = await store.getRecord(name);
  return text === null ? undefined : parseRecord(name, text);
}

const noRecord = (name: string, store: RepositoryStore) =>
  new CliError(
    `no model '${name}' in the repository (${store.where}): ${recordKey(name)} does not exist. Publish it first: npm run models -- publish <dir> --name ${name} --version 1`,
  );

export async function label(
  store: RepositoryStore,
  name: string,
  labelName: string,
  version: number,
  log: Log,
): Promise<ModelRecord> {
  const record = (await read(store, name, log)) ?? emptyRecord();
  const published = record.versions[String(version)] !== undefined;
  const bundled = bundledVersions(name);
  if (!published && !bundled.includes(version)) {
    const versions = [...publishedVersions(record).map(String), ...bundled.map((v) => `${v} (bundled)`)];
    throw new CliError(
      `${name} has no version ${version} to label; versions: ${versions.length ? versions.join(", ") : "none"}`,
    );
  }
  const previous = record.labels[labelName];
  if (previous === version) {
    log(`${name}: label ${labelName} already points to ${version}; nothing to change`);
    return record;
  }
  const next = withLabel(record, labelName, version);
  log(`writing ${recordKey(name)}`);
  await store.putRecord(name, next);
  const where = published ? "" : " (bundled)";
  log(
    previous === undefined
      ? `${name}: label ${labelName} → ${version}${where}`
      : `${name}: label ${labelName} → ${version}${where} (was ${previous}; \`npm run models -- rollback ${name} ${labelName}\` returns to it)`,
  );
  if (labelName === CANARY_LABEL && next.canary_percent === 0) {
    log(`  the canary takes no default traffic yet: npm run models -- canary ${name} <percent>`);
  }
  return next;
}

export async function rollback(
  store: RepositoryStore,
  name: string,
  labelName: string,
  log: Log,
): Promise<ModelRecord> {
  const record = await read(store, name, log);
  if (!record) throw noRecord(name, store);
  const { record: next, from, to } = rolledBack(record, name, labelName);
  log(`writing ${recordKey(name)}`);
  await store.putRecord(name, next);
  log(`${name}: label ${labelName} → ${to} (rolled back from ${from})`);
  return next;
}

export async function canary(store: RepositoryStore, name: string, percent: number, log: Log): Promise<ModelRecord> {
  const record = await read(store, name, log);
  if (!record) throw noRecord(name, store);
  const next = withCanary(record, name, percent);
  log(`writing ${recordKey(name)}`);
  await store.putRecord(name, next);
  const rest =
    record.labels[DEFAULT_LABEL] !== undefined
      ? `label ${DEFAULT_LABEL} → ${record.labels[DEFAULT_LABEL]}`
      : "the latest version";
  log(
    percent === 0
      ? `${name}: canary off; default traffic follows ${rest}`
      : `${name}: ${percent}% of default traffic goes to label ${CANARY_LABEL} → ${record.labels[CANARY_LABEL]}, the rest follows ${rest}`,
  );
  return next;
}
