/**
 * A model with a declared context for tests: a bundled fixture's weights (tiny_graph: x[4] ->
 * score) published to the repository with a manifest `context` section, the layout
 * `npm run models -- publish` writes. Works with Workers bindings and Miniflare's Node proxies.
 */
import { distinctFiles, identityOf, type Stores } from "./repository.ts";

/** A context for tiny_graph's 4 features: two request fields, two lookups, four features. */
export const DEMO_CONTEXT = {
  fields: [
    { name: "id", dtype: "string", description: "customer id" },
    { name: "amount", dtype: "float32", range: [0, 1000] },
    { name: "tier", dtype: "string", vocabulary: ["basic", "gold"] },
  ],
  lookups: [
    { name: "user", key: "demo:user:{id}", fields: [{ name: "spend", dtype: "float32", default: 5 }] },
    { name: "region", key: "demo:region:{id}", fields: [{ name: "rate", dtype: "float32", default: 1 }] },
  ],
  features: [
    { from: "amount", transforms: [{ kind: "log1p" }] },
    { from: "user.spend", transforms: [{ kind: "standardize", mean: 10, std: 5 }] },
    { from: "tier", transforms: [{ kind: "index", vocabulary: ["basic", "gold"] }] },
    { from: "region.rate", transforms: [{ kind: "clip", min: 0, max: 2 }] },
  ],
};

/** Publishes tiny_graph version 1's weights as `name` version 1 with `context` in its manifest. */
export async function publishWithContext(stores: Stores, name: string, context: unknown): Promise<void> {
  const files = distinctFiles(stores.load, "tiny_graph", 1, `${name}/1`);
  const manifest = JSON.parse(new TextDecoder().decode(files["manifest.json"]));
  manifest.name = name;
  manifest.context = context;
  files["manifest.json"] = new TextEncoder().encode(JSON.stringify(manifest)).buffer as ArrayBuffer;
  for (const [file, bytes] of Object.entries(files)) await stores.bucket.put(`models/${name}/1/${file}`, bytes);
  await stores.kv.put(
    `model:${name}`,
    JSON.stringify({ versions: { 1: { sha256: identityOf(files) } }, labels: {}, canary_percent: 0 }),
  );
}
