/**
 * The opt-in prediction cache (PREDICTION_CACHE=on): a model's raw outputs stored in an external
 * cache (the Cache API in the Worker), keyed by everything that determines them. Pure: key
 * derivation and (de)serialisation here, the store behind the `PredictionCache` interface.
 *
 * THE KEY is the sha256 of the model's inputs as the model sees them, i.e. after the pipeline has
 * validated the request and joined its context: for flights the inputs already hold the KV values
 * used, so changed context gives another key. With the model artifact's sha256 and the outputs
 * asked for, that is everything a model run depends on, so a hit returns exactly what the run would.
 * The raw outputs are cached, not the answer: the same `finish`/encode path runs on hit and miss,
 * and answers are byte-identical either way (pass-through keys and context details included).
 *
 * Byte layout (integers u32 little-endian; a *string* is its UTF-8 byte length then its bytes):
 *   key:   string "stateless-serve/prediction-key/2", string scope (the caller's principal, e.g.
 *          "key:<12 hex>", when PREDICTION_CACHE_SCOPE=key and API keys are on; "" when shared),
 *          string model sha256 (hex),
 *          u32 n, n × string output name (in the order asked), then the inputs as a *tensor block*
 *          sorted by name (UTF-16 code-unit order)
 *   value: string "stateless-serve/prediction-value/1", then the outputs as a tensor block in
 *          the order asked
 *   tensor block: u32 count, then per tensor: string name, string dtype, u32 rank, rank × u32 dim,
 *          u32 element count, then the elements: float32 and int32 as 4 bytes each (IEEE-754 /
 *          two's complement, little-endian: every platform Workers and Node run on), bool as one
 *          byte (0 or 1), string as a string each.
 * Float bytes are compared as bytes: -0 and 0, or two NaN payloads, are different keys (a miss,
 * never a wrong answer).
 */
import { sha256Hex } from "../digest.ts";
import type { CacheOutcome, Span } from "../observability/trace.ts";
import type { HostTensor, NamedTensors, TfDtype } from "../tensors/spec.ts";

/** An external byte store (the Cache API in the Worker, a Map in unit tests). */
export interface PredictionCache {
  /** The bytes stored under `key`, or undefined. May throw: callers treat that as a miss. */
  match(key: string): Promise<Uint8Array | undefined>;
  /** Stores bytes under `key`. May throw, or return before the write lands (waitUntil). */
  put(key: string, value: Uint8Array): Promise<void>;
}

export const KEY_MAGIC = "stateless-serve/prediction-key/2";
export const VALUE_MAGIC = "stateless-serve/prediction-value/1";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const DTYPES: readonly TfDtype[] = ["float32", "int32", "bool", "string"];

/** Writes the layout above: sizes first, then one buffer. */
class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  u32(value: number): void {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value, true);
    this.raw(bytes);
  }

  string(value: string | Uint8Array): void {
    const bytes = typeof value === "string" ? encoder.encode(value) : value;
    this.u32(bytes.byteLength);
    this.raw(bytes);
  }

  raw(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.byteLength;
  }

  tensors(entries: ReadonlyArray<readonly [string, HostTensor]>): void {
    this.u32(entries.length);
    for (const [name, t] of entries) {
      this.string(name);
      this.string(t.dtype);
      this.u32(t.shape.length);
      for (const d of t.shape) this.u32(d);
      this.u32(t.values.length);
      switch (t.dtype) {
        case "float32":
        case "int32": {
          const typed =
            t.values instanceof Float32Array || t.values instanceof Int32Array
              ? t.values
              : t.dtype === "float32"
                ? Float32Array.from(t.values as unknown as number[])
                : Int32Array.from(t.values as unknown as number[]);
          this.raw(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
          break;
        }
        case "bool":
          this.raw(Uint8Array.from(t.values as boolean[], (v) => (v ? 1 : 0)));
          break;
        case "string":
          for (const s of t.values as Uint8Array[]) this.string(s);
          break;
      }
    }
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.byteLength;
    }
    return out;
  }
}

class Reader {
  private offset = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u32(): number {
    if (this.offset + 4 > this.bytes.byteLength) throw new Error("prediction cache entry is truncated");
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  raw(length: number): Uint8Array {
    if (this.offset + length > this.bytes.byteLength) throw new Error("prediction cache entry is truncated");
    const out = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  string(): string {
    return decoder.decode(this.raw(this.u32()));
  }

  tensor(): [string, HostTensor] {
    const name = this.string();
    const dtype = this.string() as TfDtype;
    if (!DTYPES.includes(dtype)) throw new Error(`prediction cache entry has an unknown dtype '${dtype}'`);
    const shape = Array.from({ length: this.u32() }, () => this.u32());
    const count = this.u32();
    if (count !== shape.reduce((a, b) => a * b, 1))
      throw new Error("prediction cache entry: element count disagrees with shape");
    let values: HostTensor["values"];
    if (dtype === "float32") values = new Float32Array(this.raw(count * 4).buffer);
    else if (dtype === "int32") values = new Int32Array(this.raw(count * 4).buffer);
    else if (dtype === "bool") values = Array.from(this.raw(count), (b) => b !== 0);
    else values = Array.from({ length: count }, () => this.raw(this.u32()));
    return [name, { dtype, shape, values }];
  }

  done(): boolean {
    return this.offset === this.bytes.byteLength;
  }
}

/**
 * The bytes the key hashes (exported for the reference test). `scope` keeps callers apart: an
 * entry one API key stored is not a hit for another, so a hit reveals nothing of others' queries.
 */
export function keyMaterial(
  modelSha256: string,
  outputNames: readonly string[],
  inputs: NamedTensors,
  scope = "",
): Uint8Array {
  const w = new Writer();
  w.string(KEY_MAGIC);
  w.string(scope);
  w.string(modelSha256);
  w.u32(outputNames.length);
  for (const name of outputNames) w.string(name);
  w.tensors(
    Object.keys(inputs)
      .sort()
      .map((name) => [name, inputs[name]!] as const),
  );
  return w.bytes();
}

/** The cache key: lowercase hex sha256 of `keyMaterial`. */
export function predictionKey(
  modelSha256: string,
  outputNames: readonly string[],
  inputs: NamedTensors,
  scope = "",
): Promise<string> {
  return sha256Hex(keyMaterial(modelSha256, outputNames, inputs, scope));
}

export function encodeOutputs(outputs: NamedTensors, outputNames: readonly string[]): Uint8Array {
  const w = new Writer();
  w.string(VALUE_MAGIC);
  w.tensors(
    outputNames.map((name) => {
      const t = outputs[name];
      if (!t) throw new Error(`output '${name}' is missing`);
      return [name, t] as const;
    }),
  );
  return w.bytes();
}

/** Decodes a cached value; throws unless it holds exactly `outputNames`, in order. */
export function decodeOutputs(bytes: Uint8Array, outputNames: readonly string[]): NamedTensors {
  const r = new Reader(bytes);
  if (r.string() !== VALUE_MAGIC) throw new Error("prediction cache entry has another format");
  const count = r.u32();
  if (count !== outputNames.length) throw new Error("prediction cache entry holds other outputs");
  const outputs: NamedTensors = {};
  for (const expected of outputNames) {
    const [name, tensor] = r.tensor();
    if (name !== expected) throw new Error("prediction cache entry holds other outputs");
    outputs[name] = tensor;
  }
  if (!r.done()) throw new Error("prediction cache entry has trailing bytes");
  return outputs;
}

export interface CachedRunOptions {
  cache: PredictionCache;
  /** Whose entries these are ("" = shared by every caller). */
  scope?: string;
  modelSha256: string;
  outputNames: readonly string[];
  inputs: NamedTensors;
  measure: <T>(span: Span, fn: () => Promise<T>) => Promise<T>;
  outcome: (outcome: CacheOutcome) => void;
  log: (event: string, detail: Record<string, unknown>) => void;
}

/**
 * Answers from the cache, or runs the model and stores its outputs. A cache fault (a throwing
 * match or put, an unreadable entry) never fails the prediction: it is logged and counts as a miss.
 */
export async function cachedRun(options: CachedRunOptions, run: () => Promise<NamedTensors>): Promise<NamedTensors> {
  const { cache, outputNames, log } = options;
  const lookup = await options.measure("cache", async () => {
    let key: string;
    try {
      key = await predictionKey(options.modelSha256, outputNames, options.inputs, options.scope);
    } catch (err) {
      log("prediction_cache_failed", { op: "key", error: String(err) });
      return { key: undefined, hit: undefined };
    }
    try {
      const bytes = await cache.match(key);
      return { key, hit: bytes === undefined ? undefined : decodeOutputs(bytes, outputNames) };
    } catch (err) {
      log("prediction_cache_failed", { op: "match", error: String(err) });
      return { key, hit: undefined };
    }
  });
  if (lookup.hit) {
    options.outcome("hit");
    return lookup.hit;
  }
  const outputs = await run();
  options.outcome("miss");
  if (lookup.key !== undefined) {
    try {
      await cache.put(lookup.key, encodeOutputs(outputs, outputNames));
    } catch (err) {
      log("prediction_cache_failed", { op: "put", error: String(err) });
    }
  }
  return outputs;
}
