/**
 * `shadow N V [--sample S]` and `shadow N --off`: one read and one write of the model's pointer
 * record. The shadow version runs on the sampled requests after they are answered, logs its rows
 * as arm `shadow`, and never changes an answer (docs/monitoring.md, "Shadow versions").
 */
import { type ModelRecord, recordKey } from "../../src/core/models/record.ts";
import { bundledVersions } from "./bundled.ts";
import { CliError } from "./cli-error.ts";
import type { Log } from "./publish.ts";
import { emptyRecord, parseRecord, publishedVersions, withShadow } from "./record.ts";
import type { RepositoryStore } from "./store.ts";

const percent = (sample: number) => `${Number((sample * 100).toFixed(4))}%`;

export async function shadow(
  store: RepositoryStore,
  name: string,
  setting: { version: number; sample: number } | null,
  log: Log,
): Promise<ModelRecord> {
  log(`reading ${recordKey(name)} (${store.where})`);
  const text = await store.getRecord(name);
  const record = text === null ? undefined : parseRecord(name, text);
  if (setting === null) {
    if (!record?.shadow) {
      log(`${name}: no shadow version; nothing to change`);
      return record ?? emptyRecord();
    }
    const next = withShadow(record, null);
    log(`writing ${recordKey(name)}`);
    await store.putRecord(name, next);
    log(`${name}: shadow off (was version ${record.shadow.version} on ${percent(record.shadow.sample)} of requests)`);
    return next;
  }
  const base = record ?? emptyRecord();
  const bundled = bundledVersions(name);
  if (base.versions[String(setting.version)] === undefined && !bundled.includes(setting.version)) {
    const versions = [...publishedVersions(base).map(String), ...bundled.map((v) => `${v} (bundled)`)];
    throw new CliError(
      `${name} has no version ${setting.version} to shadow with; versions: ${versions.length ? versions.join(", ") : "none"}`,
    );
  }
  const next = withShadow(base, setting);
  log(`writing ${recordKey(name)}`);
  await store.putRecord(name, next);
  log(
    `${name}: version ${setting.version} runs in the shadow of the answering version on ${percent(setting.sample)} of requests (by request id); its rows go to the prediction log as arm shadow`,
  );
  log(`  compare: npm run monitor -- --model ${name}   stop: npm run models -- shadow ${name} --off`);
  return next;
}
