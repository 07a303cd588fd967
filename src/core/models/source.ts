/**
 * Where model artifacts come from. The registry reads models through this interface only,
 * so a new source (R2) is added without touching the routes or the dataplane.
 */
import type { Manifest } from "./manifest.ts";

export interface ModelIndexEntry {
  name: string;
  versions: number[];
  /** Label → version, e.g. { stable: 1, canary: 2 }. */
  labels: Record<string, number>;
  /** Share (0-100) of unqualified requests the `canary` label takes (see core/models/routing.ts). */
  canaryPercent?: number;
}

export interface ModelVersionFiles {
  /** The version's manifest, when its directory has one. */
  manifest?: Manifest;
  /** model.json and every weight shard, by file name. */
  files: ReadonlyMap<string, ArrayBuffer>;
}

export interface ModelSource {
  /** Short name for messages and headers, e.g. "bundled" or "r2". */
  readonly kind: string;
  index(): Promise<ModelIndexEntry[]>;
  /** The names of its models, when cheaper than `index` (e.g. without reading each record). Optional. */
  names?(): Promise<string[]>;
  /** One model's entry, when the source can find it without listing everything. Optional. */
  lookup?(name: string): Promise<ModelIndexEntry | undefined>;
  /**
   * The artifact's identity (sha256 over its files' sha256, see core/digest.ts) when the source
   * knows it without reading the files, e.g. computed at build time. Optional.
   */
  identity?(name: string, version: number): string | undefined;
  open(name: string, version: number): Promise<ModelVersionFiles | undefined>;
}
