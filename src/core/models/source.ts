/**
 * Where model artifacts come from. The registry reads models through this interface only,
 * so a new source (R2) is added without touching the routes or the dataplane.
 */
import type { Manifest } from "./manifest.ts";
import type { ShadowSetting } from "./record.ts";

export interface ModelIndexEntry {
  name: string;
  versions: number[];
  /** Label → version, e.g. { stable: 1, canary: 2 }. */
  labels: Record<string, number>;
  /** Share (0-100) of unqualified requests the `canary` label takes (see core/models/routing.ts). */
  canaryPercent?: number;
  /** The version that runs in the shadow of the served one, on a sample of requests (core/serving/shadow.ts). */
  shadow?: ShadowSetting;
  /**
   * Why the source cannot say what this model holds (e.g. its pointer record is malformed): the
   * model is listed as unavailable with this reason, and every other model keeps serving.
   */
  error?: string;
}

export interface ModelVersionFiles {
  /** The version's manifest, when its directory has one. */
  manifest?: Manifest;
  /**
   * The manifest's JSON value as written, which the version's identity covers (core/models/
   * identity.ts). Without it the parsed `manifest` stands in (same answers, another identity).
   */
  manifestJson?: unknown;
  /** model.json and every weight shard, by file name. */
  files: ReadonlyMap<string, ArrayBuffer>;
}

export interface ModelSource {
  /** Short name for messages and headers, e.g. "bundled" or "r2". */
  readonly kind: string;
  index(): Promise<ModelIndexEntry[]>;
  /**
   * Whether it has any model at all, with bounded work (one cheap call at most): what
   * `/v2/health/ready` asks. Optional; without it, `index` is asked.
   */
  hasModels?(): Promise<boolean>;
  /** The names of its models, when cheaper than `index` (e.g. without reading each record). Optional. */
  names?(): Promise<string[]>;
  /** One model's entry, when the source can find it without listing everything. Optional. */
  lookup?(name: string): Promise<ModelIndexEntry | undefined>;
  /**
   * Drops what the source remembered of `name` from before this request (a memo), so the next
   * lookup reads its store; true when it had answered from such a memory. Optional.
   */
  forget?(name: string): boolean;
  /**
   * The version's identity (its files and its manifest, see core/models/identity.ts) when the
   * source knows it without reading the files: computed at build time (bundled) or written by
   * `npm run models -- publish` into the pointer record (R2). Checked on every load. Optional.
   */
  identity?(name: string, version: number): string | undefined;
  open(name: string, version: number): Promise<ModelVersionFiles | undefined>;
}
