/**
 * The local state `npm start` reads, opened through Miniflare's own KV API: the REGISTRY namespace
 * (stream declarations, `stream:<name>`) and the CONTEXT namespace (entity values).
 */
import { join } from "node:path";
import { type Stream, StreamSchema } from "../../src/core/streams/spec.ts";

const NAMESPACES = { CONTEXT: "00000000000000000000000000000000", REGISTRY: "00000000000000000000000000000001" };

export async function withLocal<T>(
  persistTo: string | undefined,
  use: (kv: { CONTEXT: KVNamespace; REGISTRY: KVNamespace }) => Promise<T>,
): Promise<T> {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('') } }",
    kvNamespaces: NAMESPACES,
    defaultPersistRoot: join(persistTo ?? ".wrangler/state", "v3"),
  });
  try {
    const CONTEXT = (await mf.getKVNamespace("CONTEXT")) as unknown as KVNamespace;
    const REGISTRY = (await mf.getKVNamespace("REGISTRY")) as unknown as KVNamespace;
    return await use({ CONTEXT, REGISTRY });
  } finally {
    await mf.dispose();
  }
}

/** The published declaration in local state, or a refusal naming what to run. */
export async function localStream(registry: KVNamespace, name: string): Promise<Stream> {
  const text = await registry.get(`stream:${name}`, "text");
  if (text === null)
    throw new Error(`stream '${name}' is not published in local state: npm run streams -- publish <file>`);
  return StreamSchema.parse(JSON.parse(text));
}
