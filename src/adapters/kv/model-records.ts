/**
 * The pointer records (`model:<name>` in REGISTRY, core/models/record.ts) behind the rollouts'
 * RolloutRecords port (core/rollouts/cron.ts): listed and read without the edge cache's
 * `cacheTtl` (the Cron reads what the location holds now), written as `npm run models` writes them.
 */
import { type ModelRecord, ModelRecordSchema, RECORD_PREFIX, recordKey } from "../../core/models/record.ts";
import type { RolloutRecords } from "../../core/rollouts/cron.ts";

export function kvModelRecords(registry: KVNamespace): RolloutRecords {
  return {
    async names() {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await registry.list({ prefix: RECORD_PREFIX, ...(cursor ? { cursor } : {}) });
        for (const k of page.keys) names.push(k.name.slice(RECORD_PREFIX.length));
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      return names;
    },
    async get(name) {
      const text = await registry.get(recordKey(name), { type: "text" });
      if (text === null) return undefined;
      const parsed = ModelRecordSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`${recordKey(name)} is not a valid model record`);
      return parsed.data;
    },
    async put(name, record: ModelRecord) {
      await registry.put(recordKey(name), `${JSON.stringify(ModelRecordSchema.parse(record), null, 2)}\n`);
    },
  };
}
