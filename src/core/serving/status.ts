/**
 * What the server says about its models without running them: the model list (`GET /`), TF Serving's
 * model status (`GET /v1/models/{name}[…]`) and the Open Inference Protocol repository index
 * (`POST /v2/repository/index`). A version is available when it loads; one that cannot is listed
 * with the reason, so one broken version never hides the others.
 */
import { ServeError } from "../errors.ts";
import type { ModelRef } from "../models/registry.ts";
import type { ModelIndexEntry } from "../models/source.ts";
import type { Deps } from "./dataplane.ts";

export interface VersionState {
  version: number;
  /** Why the version cannot serve; absent when it loads. */
  error?: string;
}

/** Loads a version once to see whether it serves (memoised loads make this cheap when warm). */
async function stateOf(deps: Deps, name: string, version: number): Promise<VersionState> {
  try {
    deps.registry.release(await deps.registry.load(name, version));
    return { version };
  } catch (err) {
    if (!(err instanceof ServeError)) throw err;
    return { version, error: err.message };
  }
}

/** Every model across sources (sorted by name), as the index lists them. */
export function listModels(deps: Deps): Promise<ModelIndexEntry[]> {
  return deps.registry.index();
}

/** TF Serving status: every version of the model, newest first, or the one a version or label names. */
export async function modelStatus(deps: Deps, ref: ModelRef): Promise<VersionState[]> {
  const resolved = await deps.registry.resolve(ref);
  const versions = ref.version !== undefined || ref.label !== undefined ? [resolved.version] : resolved.versions;
  const states: VersionState[] = [];
  for (const version of [...versions].sort((a, b) => b - a)) states.push(await stateOf(deps, resolved.name, version));
  return states;
}

/** A repository index row: a version and its state, or (no version) a model whose versions cannot be known. */
export type IndexRow = { name: string; error?: string } & (
  | { version: number }
  | { version?: undefined; error: string }
);

/**
 * Every version of every model with its state, in index order (`readyOnly`: only those that load).
 * A model whose pointer record is broken is one row without a version, with the reason.
 */
export async function repositoryIndex(deps: Deps, readyOnly: boolean): Promise<IndexRow[]> {
  const rows: IndexRow[] = [];
  for (const entry of await deps.registry.index()) {
    if (entry.error !== undefined && !readyOnly) rows.push({ name: entry.name, error: entry.error });
    for (const version of entry.versions) {
      const state = await stateOf(deps, entry.name, version);
      if (!readyOnly || state.error === undefined) rows.push({ name: entry.name, ...state });
    }
  }
  return rows;
}
