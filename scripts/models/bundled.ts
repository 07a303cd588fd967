/**
 * Versions bundled into the Worker: model/artifacts/<name>/<version>/ directories holding a
 * model.json (the rule scripts/bundle-models.ts applies). Labels in the repository may point at
 * them; publishing a version the Worker already bundles is refused (the two would shadow each other).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const ARTIFACTS_DIR = new URL("../../model/artifacts/", import.meta.url).pathname;

export function bundledVersions(name: string, root = ARTIFACTS_DIR): number[] {
  const dir = join(root, name);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(dir, v, "model.json")))
    .map(Number)
    .sort((a, b) => a - b);
}
