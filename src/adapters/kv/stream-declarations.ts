/**
 * Stream declarations in the REGISTRY KV namespace, beside the models' pointer records:
 * `stream:<name>` holds the JSON document `npm run streams -- publish` wrote (core/streams/spec.ts).
 * Read with the edge `cacheTtl`, so a republished declaration takes effect within it.
 */
import type { StreamDeclarations } from "../../core/streams/ingest.ts";
import { type Stream, StreamSchema } from "../../core/streams/spec.ts";

export const streamRecordKey = (name: string) => `stream:${name}`;

export function kvStreamDeclarations(kv: KVNamespace | undefined, cacheTtl: number): StreamDeclarations {
  return {
    async get(name): Promise<Stream | undefined> {
      if (!kv) return undefined;
      const text = await kv.get(streamRecordKey(name), { type: "text", cacheTtl: Math.max(60, cacheTtl) });
      if (text === null) return undefined;
      const parsed = StreamSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`the record ${streamRecordKey(name)} is not a valid stream declaration`);
      return parsed.data;
    },
  };
}
