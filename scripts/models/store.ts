/**
 * What the commands need from the model repository: the pointer records in KV and the artifact
 * objects in R2. `wrangler.ts` implements it with wrangler (local state or the real account);
 * tests may put a fake behind it to inject failures.
 */
import type { ModelRecord } from "../../src/core/models/record.ts";

export interface RepositoryStore {
  /** Where it writes, for messages: "local state in .wrangler/state", "remote (env staging)", … */
  readonly where: string;
  /** The record text of `model:<name>`, or null when there is none. */
  getRecord(name: string): Promise<string | null>;
  putRecord(name: string, record: ModelRecord): Promise<void>;
  /** The text under any REGISTRY key (a stream declaration, `stream:<name>`), or null. Optional for fakes. */
  getText?(key: string): Promise<string | null>;
  /** Names of every model with a record. */
  listModels(): Promise<string[]>;
  /** Uploads a file to the models bucket under `key` (e.g. models/<name>/<version>/model.json). */
  putObject(key: string, file: string, contentType: string): Promise<void>;
}
