/**
 * The model registry: resolves a name + version/label to a version of some source, loads it
 * (verifying each file against the manifest's sha256) and describes its public signature.
 *
 * THE ISOLATE MEMO. `LOADED` below is the one piece of module-scope memory in the Worker: loaded
 * models keyed by their version identity (files AND manifest, ./identity.ts), so a warm isolate
 * skips reloading, and two versions that share weights but differ in manifest never share an entry. It is an
 * optimisation only; the answer never depends on it. With `memo: false` (MODEL_CACHE=off) nothing
 * is stored: each request loads the model and disposes it afterwards. Storing the promise makes
 * loading single-flight: concurrent first requests share one load.
 */
import { contextPipeline } from "../context/pipeline.ts";
import { sha256Hex } from "../digest.ts";
import { modelNotFound, modelNotReady, ServeError } from "../errors.ts";
import type { Monitoring } from "../monitoring/manifest.ts";
import type { Arm } from "../monitoring/record.ts";
import type { Pipeline, PipelineFactory } from "../pipeline/plugin.ts";
import type { ModelFormat, Signature, TensorSpec } from "../tensors/spec.ts";
import { versionIdentity } from "./identity.ts";
import type { Manifest } from "./manifest.ts";
import type { ShadowSetting } from "./record.ts";
import type { ModelRef } from "./ref.ts";
import { defaultVersion, routeDefault } from "./routing.ts";
import type { LoadedModel, ModelRuntime } from "./runtime.ts";
import type { ModelIndexEntry, ModelSource, ModelVersionFiles } from "./source.ts";

export type { ModelRef } from "./ref.ts";

/** A loaded model version, ready to serve. */
export interface ServedModel {
  name: string;
  version: number;
  format: ModelFormat;
  /** The version's identity: its files and its manifest (./identity.ts). */
  sha256: string;
  source: string;
  description: string;
  signatureName: string;
  passthrough: readonly string[];
  /** What clients send and receive (the pipeline's, when the model has one). */
  signature: Signature;
  /** The model's own tensors; `tensor` holds the internal name. */
  modelSignature: Signature;
  model: LoadedModel;
  pipeline?: Pipeline;
  /** Class labels by public output name (manifest `labels`), for the classification extension. */
  labels?: Readonly<Record<string, readonly string[]>>;
  /** The manifest's `monitoring` section (the prediction log's sampling, redaction and key). */
  monitoring?: Monitoring;
}

const LOADED = new Map<string, Promise<ServedModel>>();

export interface RegistryOptions {
  memo: boolean;
  /** Loads and runs artifacts (the TF.js runtime in the Worker). */
  runtime: ModelRuntime;
  pipelines: Readonly<Record<string, PipelineFactory>>;
  /** Where a source that could not answer is reported while the others keep serving. */
  log?: (event: string, detail: Record<string, unknown>) => void;
  /**
   * Settles once the TF.js backend is chosen. Loads wait for it, so starting the backend overlaps
   * with resolving the model (a pointer-record read on a cold isolate) instead of preceding it.
   */
  ready?: Promise<unknown>;
}

export class Registry {
  constructor(
    private readonly sources: readonly ModelSource[],
    private readonly options: RegistryOptions,
  ) {}

  /**
   * Every model across sources. Sources are in artifact priority order (bundled first: a version
   * both hold is served from the Worker itself); labels from later sources override earlier
   * ones (the repository's pointer records are the live control over the bundled labels.json).
   * A source that fails is logged and skipped, so the others keep serving.
   */
  async index(): Promise<ModelIndexEntry[]> {
    const found = await this.fromSources("index", (source) => source.index());
    return merge(found.flat()).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /**
   * Whether any source has a model, with bounded work per call: sources in order, each asked
   * `hasModels` (bundled: in memory; R2: one KV list of at most one key), stopping at the first
   * yes. No per-model read. A source that fails counts as having none.
   */
  async hasModels(): Promise<boolean> {
    for (const source of this.sources) {
      try {
        if (source.hasModels ? await source.hasModels() : (await source.index()).length > 0) return true;
      } catch (err) {
        if (!(err instanceof ServeError)) throw err;
        this.options.log?.("source_unavailable", { source: source.kind, for: "ready", error: err.message });
      }
    }
    return false;
  }

  /** Every model's name, sorted: what an unknown-model error lists (cheaper than `index`). */
  async names(): Promise<string[]> {
    const found = await this.fromSources("names", async (source) =>
      source.names ? source.names() : (await source.index()).map((m) => m.name),
    );
    return [...new Set(found.flat())].sort();
  }

  /** One model's merged entry, or undefined when no source has it. */
  async entry(name: string): Promise<ModelIndexEntry | undefined> {
    const found = await this.fromSources(name, async (source) => {
      const entry = source.lookup ? await source.lookup(name) : (await source.index()).find((m) => m.name === name);
      return entry ? [entry] : [];
    });
    return merge(found.flat())[0];
  }

  /**
   * The concrete version a reference names: explicit version, label, or the default route; and
   * the model's shadow setting, when its pointer record has one.
   */
  async resolve(
    ref: ModelRef,
  ): Promise<{ name: string; version: number; versions: number[]; arm: Arm; shadow?: ShadowSetting }> {
    let entry = await this.entry(ref.name);
    // A source may answer from a memo (the pointer-record memo, bounded by KV_CACHE_TTL). What it
    // does not know yet (a model, version or label published since) is asked for afresh before a
    // 404, so a new publication answers on the next request; only moves of existing labels wait.
    if (!knows(entry, ref)) {
      let dropped = false;
      for (const source of this.sources) dropped = (source.forget?.(ref.name) ?? false) || dropped;
      if (dropped) entry = await this.entry(ref.name);
    }
    if (!entry) {
      const names = await this.names();
      throw modelNotFound(`model '${ref.name}' not found; available models: ${listed(names)}`);
    }
    let version: number | undefined;
    let arm: Arm = ref.version !== undefined ? "explicit" : ref.label !== undefined ? "label" : "default";
    if (ref.version !== undefined) {
      version = ref.version;
      if (!entry.versions.includes(version)) {
        throw modelNotFound(
          `model '${ref.name}' has no version ${version}; available versions: ${entry.versions.join(", ")}`,
        );
      }
    } else if (ref.label !== undefined) {
      version = entry.labels[ref.label];
      if (version === undefined || !entry.versions.includes(version)) {
        const labels = Object.keys(entry.labels);
        throw modelNotFound(`model '${ref.name}' has no label '${ref.label}'; labels: ${labels.join(", ") || "none"}`);
      }
    } else {
      version = await routeDefault(entry, ref.routingKey);
      if (version !== defaultVersion(entry)) arm = "canary";
    }
    return {
      name: entry.name,
      version,
      versions: entry.versions,
      arm,
      ...(entry.shadow ? { shadow: entry.shadow } : {}),
    };
  }

  /** Asks every source; a failing one is skipped when another answered, else its error stands. */
  private async fromSources<T>(what: string, ask: (source: ModelSource) => Promise<T[]>): Promise<T[][]> {
    const answers: T[][] = [];
    let failure: ServeError | undefined;
    for (const source of this.sources) {
      try {
        answers.push(await ask(source));
      } catch (err) {
        if (!(err instanceof ServeError)) throw err;
        failure ??= err;
        this.options.log?.("source_unavailable", { source: source.kind, for: what, error: err.message });
      }
    }
    if (failure && answers.every((a) => a.length === 0)) throw failure;
    return answers;
  }

  /** Loads (or reuses, when memoised) a resolved version. Call `release` when done with it. */
  async load(name: string, version: number): Promise<ServedModel> {
    await this.options.ready;
    for (const source of this.sources) {
      // A source that knows the artifact's identity up front (bundled: computed at build time;
      // R2: from the pointer record) lets a warm isolate skip reading the files altogether, and
      // concurrent first requests share one read and one load.
      const known = source.identity?.(name, version);
      if (known !== undefined && this.options.memo) {
        return renamed(
          await memoised(this.memoKey(known), () => this.openAndBuild(source, name, version, known)),
          name,
          version,
          source.kind,
        );
      }
      const files = await source.open(name, version);
      if (!files) continue;
      const key = await this.checkedIdentity(files, known, name, version, source.kind);
      if (!this.options.memo) return this.build(name, version, source.kind, files, key);
      return renamed(
        await memoised(this.memoKey(key), () => this.build(name, version, source.kind, files, key)),
        name,
        version,
        source.kind,
      );
    }
    throw modelNotFound(`model '${name}' has no version ${version}`);
  }

  /** The memo key: the version's identity and the runtime's configuration (a plan or TF.js). */
  private memoKey(identity: string): string {
    return this.options.runtime.id === undefined ? identity : `${identity} ${this.options.runtime.id}`;
  }

  private async openAndBuild(source: ModelSource, name: string, version: number, known: string): Promise<ServedModel> {
    const files = await source.open(name, version);
    if (!files)
      throw modelNotReady(
        `model '${name}' version ${version}: the ${source.kind} index lists it, but its files are gone`,
      );
    return this.build(
      name,
      version,
      source.kind,
      files,
      await this.checkedIdentity(files, known, name, version, source.kind),
    );
  }

  /** The version's identity (files and manifest), which must be the one the source's index names (when it names one). */
  private async checkedIdentity(
    files: ModelVersionFiles,
    known: string | undefined,
    name: string,
    version: number,
    kind: string,
  ): Promise<string> {
    const key = await identity(files);
    if (known !== undefined && known !== key) {
      throw modelNotReady(
        `model '${name}' version ${version}: its files and manifest are not the artifact the ${kind} index names (identity ${key.slice(0, 12)}…, expected ${known.slice(0, 12)}…); rebuild or republish it`,
      );
    }
    return key;
  }

  /** Frees a model's tensors unless the memo keeps it for later requests. */
  release(model: ServedModel): void {
    if (!this.options.memo) model.model.dispose();
  }

  private async build(
    name: string,
    version: number,
    source: string,
    files: ModelVersionFiles,
    sha256: string,
  ): Promise<ServedModel> {
    const label = `model '${name}' version ${version}`;
    const { manifest } = files;
    if (manifest) await verify(files, manifest, label);
    const model = await this.options.runtime.load(files.files, label);
    try {
      const modelSignature = manifest ? checkSignature(manifest.signature, model, label) : derived(model, label);
      const pipeline = manifest?.preprocess
        ? this.pipeline(manifest.preprocess, modelSignature, label)
        : manifest?.context
          ? contextPipeline(manifest.context, modelSignature, label)
          : undefined;
      const served: ServedModel = {
        name,
        version,
        format: model.format,
        sha256,
        source,
        description: manifest?.description ?? "",
        signatureName: manifest?.signature_name ?? "serving_default",
        passthrough: manifest?.passthrough ?? ["key"],
        signature: pipeline?.signature ?? modelSignature,
        modelSignature,
        model,
      };
      if (pipeline) served.pipeline = pipeline;
      if (manifest?.labels) served.labels = checkLabels(manifest.labels, served.signature, label);
      if (manifest?.monitoring) served.monitoring = manifest.monitoring;
      return served;
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  private pipeline(preprocess: NonNullable<Manifest["preprocess"]>, signature: Signature, label: string): Pipeline {
    const factory = this.options.pipelines[preprocess.kind];
    if (!factory) throw modelNotReady(`${label}: unknown preprocess kind '${preprocess.kind}'`);
    return factory(preprocess.params, signature, label);
  }
}

/** The memo entry for an artifact identity, started by `load` when absent (single-flight; a failure is forgotten). */
function memoised(key: string, load: () => Promise<ServedModel>): Promise<ServedModel> {
  let loading = LOADED.get(key);
  if (!loading) {
    loading = load();
    LOADED.set(key, loading);
    loading.catch(() => LOADED.delete(key));
  }
  return loading;
}

/** Names for a message: the first 20, then how many more (a repository of thousands stays one short line). */
function listed(names: readonly string[]): string {
  if (names.length === 0) return "none";
  const shown = names.slice(0, 20).join(", ");
  return names.length > 20 ? `${shown} and ${names.length - 20} more` : shown;
}

/** Whether an entry names what the reference asks for (the model, and its version or label). */
function knows(entry: ModelIndexEntry | undefined, ref: ModelRef): boolean {
  if (!entry) return false;
  if (ref.version !== undefined) return entry.versions.includes(ref.version);
  if (ref.label !== undefined) return entry.labels[ref.label] !== undefined;
  return true;
}

/** Merges entries of the same model (in source order) into one per model. */
function merge(entries: readonly ModelIndexEntry[]): ModelIndexEntry[] {
  const merged = new Map<string, ModelIndexEntry>();
  for (const entry of entries) {
    const seen = merged.get(entry.name);
    if (!seen) {
      merged.set(entry.name, { ...entry, versions: [...entry.versions], labels: { ...entry.labels } });
      continue;
    }
    seen.versions = [...new Set([...seen.versions, ...entry.versions])];
    if (entry.error !== undefined) seen.error = entry.error;
    seen.labels = { ...seen.labels, ...entry.labels };
    if (entry.canaryPercent !== undefined) seen.canaryPercent = entry.canaryPercent;
    if (entry.shadow !== undefined) seen.shadow = entry.shadow;
  }
  for (const entry of merged.values()) entry.versions.sort((a, b) => a - b);
  return [...merged.values()];
}

/** The same bytes may be published under another name or version: answer with the one asked for. */
function renamed(served: ServedModel, name: string, version: number, source: string): ServedModel {
  return served.name === name && served.version === version ? served : { ...served, name, version, source };
}

async function identity(files: ModelVersionFiles): Promise<string> {
  if (files.manifest) return versionIdentity(files.manifest.files, files.manifestJson ?? files.manifest);
  const hashes: Record<string, string> = {};
  for (const [name, bytes] of files.files) hashes[name] = await sha256Hex(bytes);
  return versionIdentity(hashes);
}

async function verify(files: ModelVersionFiles, manifest: Manifest, label: string): Promise<void> {
  for (const [file, expected] of Object.entries(manifest.files)) {
    const bytes = files.files.get(file);
    if (!bytes) throw modelNotReady(`${label}: file '${file}' named in the manifest is missing`);
    const actual = await sha256Hex(bytes);
    if (actual !== expected) {
      throw modelNotReady(
        `${label} failed its integrity check: '${file}' has sha256 ${actual.slice(0, 12)}…, the manifest says ${expected.slice(0, 12)}…`,
      );
    }
  }
}

/** Signature read from the model itself: public names are the model's own tensor names. */
function derived(model: LoadedModel, label: string): Signature {
  if (model.unknownShapes) {
    const names = model.unknownShapes.outputs.map((n) => `'${n}'`).join(", ");
    throw modelNotReady(
      `${label}: the model does not say the shape of output ${names} (${model.unknownShapes.reason}); publish it with a manifest.json that gives the shapes`,
    );
  }
  const withTensor = (s: TensorSpec): TensorSpec => ({ ...s, tensor: s.name });
  return { inputs: model.inputs.map(withTensor), outputs: model.outputs.map(withTensor) };
}

/**
 * A manifest signature must name tensors the model has. Graph-model outputs may name any node
 * (TF.js executes up to it), so only layers-model outputs are checked against the model's outputs.
 */
function checkSignature(signature: Signature, model: LoadedModel, label: string): Signature {
  const check = (specs: TensorSpec[], actual: TensorSpec[] | undefined, kind: string) =>
    specs.map((spec) => {
      const tensor = spec.tensor ?? spec.name;
      if (actual && !actual.some((a) => a.name === tensor)) {
        const names = actual.map((a) => `'${a.name}'`).join(", ");
        throw modelNotReady(
          `${label}: the manifest names ${kind} tensor '${tensor}', which the model does not have (it has ${names})`,
        );
      }
      return { ...spec, tensor };
    });
  return {
    inputs: check(signature.inputs, model.inputs, "input"),
    outputs: check(signature.outputs, model.format === "layers-model" ? model.outputs : undefined, "output"),
  };
}

/** Manifest labels must name public outputs (a typo would silently answer without labels). */
function checkLabels(labels: Record<string, string[]>, signature: Signature, label: string): Record<string, string[]> {
  for (const name of Object.keys(labels)) {
    if (!signature.outputs.some((o) => o.name === name)) {
      throw modelNotReady(
        `${label}: the manifest has labels for output '${name}', which the model does not have (it has ${signature.outputs.map((o) => `'${o.name}'`).join(", ")})`,
      );
    }
  }
  return labels;
}
