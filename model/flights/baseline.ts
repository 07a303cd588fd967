/**
 * Adds `monitoring` (task and training baseline, ./monitoring.ts) to an already trained flights
 * manifest without retraining: reads the cached train matrix that features.ts wrote.
 *   npx tsx model/flights/baseline.ts [--out DIR]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ManifestSchema } from "../../src/core/models/manifest.ts";
import { cli, pathsFor } from "./cli.ts";
import { loadMatrix } from "./dataset.ts";
import { flightsMonitoring } from "./monitoring.ts";

const USAGE = `
usage: npx tsx model/flights/baseline.ts [--out DIR] [--manifest P]

Writes monitoring.task ("binary") and monitoring.baseline (bins and training shares of each of the
36 scaled features over the train matrix) into the flights manifest, keeping everything else.
train.ts writes the same section when it trains; this is for a model already trained.

  --out DIR   read DIR/cache (as features.ts --out) and write DIR/artifacts/flights/1/manifest.json
              instead of model/flights/.cache and model/artifacts/flights/1/manifest.json
  --manifest P  write this manifest instead
  -h, --help  this text

Then: npm run models:bundle (the manifest, so the version's identity, changed).
`;

const opts = cli(USAGE, { out: { type: "string" }, manifest: { type: "string" } });
const paths = pathsFor(opts.out);
const manifestPath = opts.manifest ?? join(paths.version, "manifest.json");
const json = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, unknown>;
const train = loadMatrix(paths.cache, "train");
const next = {
  ...json,
  monitoring: { ...((json.monitoring as object | undefined) ?? {}), ...flightsMonitoring(train) },
};
ManifestSchema.parse(next);
writeFileSync(manifestPath, `${JSON.stringify(next, null, 2)}\n`);
process.stderr.write(`${manifestPath}: monitoring.baseline from ${train.rows} train rows\n`);
