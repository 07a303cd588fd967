/** Where a version's artifacts live in the MODELS bucket: `models/<name>/<version>/` (model.json, shards, manifest.json). */
export const artifactPrefix = (name: string, version: number) => `models/${name}/${version}/`;
