/**
 * The model repository: artifacts in R2 under `models/<name>/<version>/` (model.json, shards,
 * manifest.json), found through one pointer record per model in KV (`model:<name>`, see
 * core/models/record.ts). The record is read with the edge `cacheTtl`, which bounds how long a
 * label change takes to reach every isolate. Files come through the Cache API (adapters/
 * artifact-cache.ts) and are verified against the manifest by the registry on every load.
 *
 * One source per request (built in worker/scope.ts): the records it reads are kept on this object
 * for the request's duration, and with MODEL_CACHE on in the isolate's pointer-record memo
 * (./record-memo.ts) within the same KV_CACHE_TTL bound.
 */
import { modelNotReady, ServeError } from "../../core/errors.ts";
import { readManifest } from "../../core/models/manifest.ts";
import { type ModelRecord, ModelRecordSchema, RECORD_PREFIX, recordKey } from "../../core/models/record.ts";
import type { ModelIndexEntry, ModelSource, ModelVersionFiles } from "../../core/models/source.ts";
import type { FileCache } from "../cache-api/artifact-files.ts";
import { artifactPrefix } from "./layout.ts";
import { recordMemo } from "./record-memo.ts";

export interface R2SourceOptions {
  /** KV edge cache TTL for pointer records, seconds (>= 30 on Cloudflare). */
  cacheTtl: number;
  files: FileCache;
  /** MODEL_CACHE: keep parsed records in the isolate within the same bound (./record-memo.ts). */
  memo?: boolean;
}

const short = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 200);

function parseRecord(name: string, text: string): ModelRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw modelNotReady(
      `the registry record for model '${name}' is not valid JSON; rewrite it with \`npm run models\``,
    );
  }
  const record = ModelRecordSchema.safeParse(json);
  if (!record.success) {
    const issue = record.error.issues[0];
    throw modelNotReady(
      `the registry record for model '${name}' is invalid (${issue?.path.join(".")}: ${issue?.message})`,
    );
  }
  return record.data;
}

const entryOf = (name: string, record: ModelRecord): ModelIndexEntry => ({
  name,
  versions: Object.keys(record.versions).map(Number),
  labels: record.labels,
  canaryPercent: record.canary_percent,
  ...(record.shadow ? { shadow: record.shadow } : {}),
});

export function r2Source(
  registry: KVNamespace | undefined,
  bucket: R2Bucket | undefined,
  options: R2SourceOptions,
): ModelSource {
  const records = new Map<string, ModelRecord | null>();
  /** Names whose record this request took from the isolate memo (not read from KV now). */
  const remembered = new Set<string>();
  const memo = registry && recordMemo(registry, options.cacheTtl, options.memo ?? false);

  async function record(name: string): Promise<ModelRecord | undefined> {
    if (records.has(name)) return records.get(name) ?? undefined;
    if (!registry || !memo) return undefined;
    const kept = memo.get(name);
    if (kept !== undefined) {
      remembered.add(name);
      records.set(name, kept);
      return kept ?? undefined;
    }
    let text: string | null;
    try {
      text = await registry.get(recordKey(name), { type: "text", cacheTtl: memo.cacheTtl });
    } catch (err) {
      throw modelNotReady(`the model registry (KV) is unavailable: ${short(err)}`);
    }
    const parsed = text === null ? undefined : parseRecord(name, text);
    records.set(name, parsed ?? null);
    memo.set(name, parsed ?? null);
    return parsed;
  }

  async function names(): Promise<string[]> {
    if (!registry) return [];
    const found: string[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await registry.list({ prefix: RECORD_PREFIX, ...(cursor ? { cursor } : {}) });
        found.push(...page.keys.map((k) => k.name.slice(RECORD_PREFIX.length)));
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
    } catch (err) {
      throw modelNotReady(`the model registry (KV) is unavailable: ${short(err)}`);
    }
    return found;
  }

  return {
    kind: "r2",
    names,
    forget(name) {
      if (!remembered.delete(name)) return false;
      records.delete(name);
      memo?.delete(name);
      return true;
    },
    async hasModels() {
      if (!registry) return false;
      try {
        return (await registry.list({ prefix: RECORD_PREFIX, limit: 1 })).keys.length > 0;
      } catch (err) {
        throw modelNotReady(`the model registry (KV) is unavailable: ${short(err)}`);
      }
    },
    async index() {
      const entries: ModelIndexEntry[] = [];
      for (const name of await names()) {
        // A record that cannot be read or parsed hides only its own model: listed, with the reason.
        try {
          const found = await record(name);
          if (found) entries.push(entryOf(name, found));
        } catch (err) {
          if (!(err instanceof ServeError)) throw err;
          entries.push({ name, versions: [], labels: {}, error: err.message });
        }
      }
      return entries;
    },
    async lookup(name) {
      const found = await record(name);
      return found ? entryOf(name, found) : undefined;
    },
    identity(name, version) {
      return records.get(name)?.versions[String(version)]?.sha256;
    },
    async open(name, version): Promise<ModelVersionFiles | undefined> {
      const published = (await record(name))?.versions[String(version)];
      if (!published) return undefined;
      const label = `model '${name}' version ${version}`;
      if (!bucket) throw modelNotReady(`${label} is in the registry, but no MODELS bucket is bound`);
      const prefix = artifactPrefix(name, version);
      const read = async (file: string): Promise<ArrayBuffer> => {
        let bytes: ArrayBuffer | undefined;
        try {
          bytes = await (await bucket.get(prefix + file))?.arrayBuffer();
        } catch (err) {
          throw modelNotReady(`${label}: the model repository (R2) is unavailable: ${short(err)}`);
        }
        if (!bytes) throw modelNotReady(`${label}: '${prefix}${file}' is missing from the model repository`);
        return bytes;
      };
      const { manifest, json } = readManifest(await read("manifest.json"), label);
      const entries = await Promise.all(
        Object.entries(manifest.files).map(
          async ([file, sha256]) => [file, await options.files.get(sha256, () => read(file))] as const,
        ),
      );
      return { manifest, manifestJson: json, files: new Map(entries) };
    },
  };
}
