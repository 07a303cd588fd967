/**
 * The binary tensor data extension of the Open Inference Protocol (Triton's, adopted by KServe v2):
 * a body is `Inference-Header-Content-Length` bytes of JSON inference header, then the raw bytes
 * of each input whose `parameters.binary_data_size` says so, in the order the inputs appear.
 * Little-endian, row-major, no padding; BOOL one byte (0 or 1); BYTES each element as a 4-byte
 * little-endian length and its bytes. Answers put outputs asked for as binary the same way.
 *
 * Elements go straight into typed arrays: no JS number per element on the way in. Datatypes map
 * onto model dtypes as in the JSON path: FP16/FP64 into float32, integers range-checked into int32
 * (INT64/UINT64 beyond int32 refused), non-finite floats refused.
 */
import { describeValue, invalidInput } from "../errors.ts";
import { integerRange, type V2Datatype, v2DatatypeOf } from "../tensors/dtypes.ts";
import type { HostTensor, NamedTensors, Signature } from "../tensors/spec.ts";
import { elementCount, formatShape, type Limits } from "../tensors/tensors.ts";
import { jsonLeaves } from "./json-values.ts";
import { parseEnvelope, V2InferHeader } from "./schemas.ts";
import type { NamedOutput } from "./v1.ts";
import { decodeInputs, encodeV2, requestOf, tensorFromData, type V2Request } from "./v2.ts";

/** Bytes per element of each fixed-size datatype (BYTES has none). */
const WIDTH: Record<Exclude<V2Datatype, "BYTES">, number> = {
  BOOL: 1,
  INT8: 1,
  UINT8: 1,
  INT16: 2,
  UINT16: 2,
  FP16: 2,
  INT32: 4,
  UINT32: 4,
  FP32: 4,
  INT64: 8,
  UINT64: 8,
  FP64: 8,
};

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const encoder = new TextEncoder();
/** Typed arrays use the platform's byte order; the wire is little-endian (every Workers host is). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export const HEADER_LENGTH = "Inference-Header-Content-Length";

/** Splits a body at `Inference-Header-Content-Length` into the parsed JSON header and the tensor bytes after it. */
export function splitBinaryBody(body: Uint8Array, headerLength: string): { header: unknown; tensorBytes: Uint8Array } {
  const length = /^\d+$/.test(headerLength.trim()) ? Number(headerLength.trim()) : NaN;
  if (!Number.isSafeInteger(length)) {
    throw invalidInput(`${HEADER_LENGTH}: expected a non-negative integer, got '${headerLength}'`);
  }
  if (length > body.byteLength) {
    throw invalidInput(
      `${HEADER_LENGTH}: ${length} bytes of JSON header announced, but the body has only ${body.byteLength} bytes`,
    );
  }
  if (length === 0) throw invalidInput(`${HEADER_LENGTH}: expected the length of a JSON inference header, got 0`);
  let text: string;
  try {
    text = strictUtf8.decode(body.subarray(0, length));
  } catch {
    throw invalidInput(
      `inference header: expected UTF-8 JSON text in the first ${length} bytes, got bytes that are not valid UTF-8`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw invalidInput(
      `inference header: the first ${length} bytes (${HEADER_LENGTH}) are not valid JSON (${(err as Error).message})`,
    );
  }
  return { header, tensorBytes: body.subarray(length) };
}

/** The raw-byte size a fixed-size tensor must have; undefined for BYTES (its elements carry their lengths). */
export function binarySize(datatype: V2Datatype, shape: readonly number[]): number | undefined {
  return datatype === "BYTES" ? undefined : elementCount(shape) * WIDTH[datatype];
}

/**
 * Decodes a binary-extension request: the JSON header (already parsed) against the model's
 * signature, each binary input from its slice of `tensorBytes`, JSON inputs as usual.
 */
export function decodeV2Binary(header: unknown, tensorBytes: Uint8Array, sig: Signature, limits: Limits): V2Request {
  const envelope = parseEnvelope(V2InferHeader, header);
  const slices: Array<Uint8Array | undefined> = [];
  let offset = 0;
  envelope.inputs.forEach((input, i) => {
    const where = `inputs[${i}]`;
    const size: unknown = input.parameters?.binary_data_size;
    if (size === undefined) {
      if (input.data === undefined) {
        throw invalidInput(
          `${where}.data: expected the tensor's elements, or parameters.binary_data_size for raw bytes after the JSON header, got neither`,
        );
      }
      slices.push(undefined);
      return;
    }
    if (input.data !== undefined) {
      throw invalidInput(`${where}: expected either 'data' or parameters.binary_data_size, got both`);
    }
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      throw invalidInput(
        `${where}.parameters.binary_data_size: expected a non-negative integer, got ${describeValue(size)}`,
      );
    }
    const expected = binarySize(input.datatype, input.shape);
    if (expected !== undefined && size !== expected) {
      const width = WIDTH[input.datatype as keyof typeof WIDTH];
      throw invalidInput(
        `${where}.parameters.binary_data_size: expected ${expected} bytes (shape ${formatShape(input.shape)} × ${width} byte${width === 1 ? "" : "s"} for ${input.datatype}), got ${size}`,
      );
    }
    if (offset + size > tensorBytes.byteLength) {
      throw invalidInput(
        `${where}.parameters.binary_data_size: ${size} bytes expected at offset ${offset} after the JSON header, but only ${tensorBytes.byteLength - offset} follow`,
      );
    }
    slices.push(tensorBytes.subarray(offset, offset + size));
    offset += size;
  });
  if (offset !== tensorBytes.byteLength) {
    throw invalidInput(
      `request body: ${tensorBytes.byteLength - offset} bytes left over after the binary tensors; the inputs' binary_data_size add up to ${offset} of the ${tensorBytes.byteLength} bytes after the JSON header`,
    );
  }
  const inputs: NamedTensors = decodeInputs(envelope.inputs, sig, limits, (input, spec, where, i) => {
    const bytes = slices[i];
    if (bytes === undefined) return tensorFromData({ ...input, data: input.data }, spec, where, limits);
    return tensorFromBytes(bytes, input.datatype, input.shape, `${where} (binary data)`, limits);
  });
  return requestOf(envelope, inputs, sig);
}

/**
 * A host tensor from raw little-endian bytes of `datatype` (whose size was already checked for
 * fixed-size datatypes). The model dtype follows from the datatype (checked against the signature
 * by the caller).
 */
export function tensorFromBytes(
  bytes: Uint8Array,
  datatype: V2Datatype,
  shape: number[],
  where: string,
  limits: Limits,
): HostTensor {
  const count = elementCount(shape);
  const at = (i: number) => `${where} element ${i}`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (datatype) {
    case "FP32":
    case "FP16":
    case "FP64": {
      let values: Float32Array;
      if (datatype === "FP32" && LITTLE_ENDIAN) {
        values = new Float32Array(bytes.slice().buffer);
      } else {
        values = new Float32Array(count);
        const read =
          datatype === "FP16"
            ? (i: number) => halfToFloat(view.getUint16(i * 2, true))
            : datatype === "FP32"
              ? (i: number) => view.getFloat32(i * 4, true)
              : (i: number) => view.getFloat64(i * 8, true);
        for (let i = 0; i < count; i++) {
          const v = read(i);
          const f = Math.fround(v);
          if (Number.isFinite(v) && !Number.isFinite(f))
            throw invalidInput(`${at(i)}: ${v} is outside the range of FP32`);
          values[i] = f;
        }
      }
      for (let i = 0; i < count; i++) {
        if (!Number.isFinite(values[i]!)) throw invalidInput(`${at(i)}: expected a finite number, got ${values[i]}`);
      }
      return { dtype: "float32", shape, values };
    }
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: big-endian hosts take the byte-swapping path below
    case "INT32":
      if (LITTLE_ENDIAN) return { dtype: "int32", shape, values: new Int32Array(bytes.slice().buffer) };
    // falls through (big-endian host)
    case "INT8":
    case "INT16":
    case "UINT8":
    case "UINT16":
    case "UINT32":
    case "INT64":
    case "UINT64": {
      const [lo, hi] = integerRange(datatype)!;
      const values = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = readInteger(view, datatype, i);
        if (v < lo || v > hi) {
          throw invalidInput(
            `${at(i)}: expected an integer in [${lo}, ${hi}] for ${datatype}, got ${Number.isFinite(v) ? v : String(exactInteger(view, datatype, i))}`,
          );
        }
        values[i] = v;
      }
      return { dtype: "int32", shape, values };
    }
    case "BOOL": {
      const values = new Array<boolean>(count);
      for (let i = 0; i < count; i++) {
        const b = bytes[i]!;
        if (b > 1) throw invalidInput(`${at(i)}: expected a byte 0 (false) or 1 (true) for BOOL, got ${b}`);
        values[i] = b === 1;
      }
      return { dtype: "bool", shape, values };
    }
    case "BYTES": {
      const values: Uint8Array[] = [];
      let pos = 0;
      for (let i = 0; i < count; i++) {
        if (pos + 4 > bytes.byteLength) {
          throw invalidInput(
            `${at(i)}: expected a 4-byte length, got ${bytes.byteLength - pos} bytes before the end of the tensor's ${bytes.byteLength} bytes (binary_data_size)`,
          );
        }
        const length = view.getUint32(pos, true);
        pos += 4;
        if (pos + length > bytes.byteLength) {
          throw invalidInput(
            `${at(i)}: length ${length} runs past the end of the tensor's ${bytes.byteLength} bytes (binary_data_size) by ${pos + length - bytes.byteLength}`,
          );
        }
        if (length > limits.maxStringBytes) {
          throw invalidInput(`${at(i)}: strings may be at most ${limits.maxStringBytes} bytes, got ${length}`);
        }
        values.push(bytes.slice(pos, pos + length));
        pos += length;
      }
      if (pos !== bytes.byteLength) {
        throw invalidInput(
          `${where}: ${bytes.byteLength - pos} bytes left over after the ${count} BYTES elements of shape ${formatShape(shape)}; binary_data_size is ${bytes.byteLength}`,
        );
      }
      return { dtype: "string", shape, values };
    }
  }
}

/** Integer element `i` as a number; 64-bit values beyond what int32 holds come back as ±Infinity (out of every range). */
function readInteger(view: DataView, datatype: V2Datatype, i: number): number {
  switch (datatype) {
    case "INT8":
      return view.getInt8(i);
    case "UINT8":
      return view.getUint8(i);
    case "INT16":
      return view.getInt16(i * 2, true);
    case "UINT16":
      return view.getUint16(i * 2, true);
    case "INT32":
      return view.getInt32(i * 4, true);
    case "UINT32":
      return view.getUint32(i * 4, true);
    default: {
      // INT64 / UINT64: low and high 32-bit words.
      const low = view.getUint32(i * 8, true);
      const high = datatype === "INT64" ? view.getInt32(i * 8 + 4, true) : view.getUint32(i * 8 + 4, true);
      if (high === 0) return low;
      if (high === -1 && low >= 0x80000000) return low - 0x100000000;
      return high < 0 ? -Infinity : Infinity;
    }
  }
}

/** The exact value of a 64-bit element, for error messages. */
function exactInteger(view: DataView, datatype: V2Datatype, i: number): bigint {
  return datatype === "INT64" ? view.getBigInt64(i * 8, true) : view.getBigUint64(i * 8, true);
}

/** IEEE 754 half precision → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The raw little-endian bytes of a host tensor (BYTES: 4-byte length + bytes per element). */
export function tensorBytesOf(t: HostTensor): Uint8Array {
  switch (t.dtype) {
    case "float32":
    case "int32": {
      const typed = t.values as Float32Array | Int32Array;
      if (LITTLE_ENDIAN) return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
      const out = new Uint8Array(typed.length * 4);
      const view = new DataView(out.buffer);
      typed.forEach((v, i) =>
        t.dtype === "float32" ? view.setFloat32(i * 4, v, true) : view.setInt32(i * 4, v, true),
      );
      return out;
    }
    case "bool":
      return Uint8Array.from(t.values as boolean[], (b) => (b ? 1 : 0));
    case "string": {
      const strings = t.values as Uint8Array[];
      const out = new Uint8Array(strings.reduce((n, s) => n + 4 + s.byteLength, 0));
      const view = new DataView(out.buffer);
      let pos = 0;
      for (const s of strings) {
        view.setUint32(pos, s.byteLength, true);
        out.set(s, pos + 4);
        pos += 4 + s.byteLength;
      }
      return out;
    }
  }
}

/** A binary-extension answer: the whole body, and where its JSON header ends (`Inference-Header-Content-Length`). */
export interface V2BinaryBody {
  headerLength: number;
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Encodes an answer whose outputs listed in `request.binaryOutputs` go as raw bytes after the JSON
 * header (with `parameters.binary_data_size` and no `data`), the others as JSON `data`.
 */
export function encodeV2Binary(
  model: { name: string; version: number },
  request: V2Request,
  outputs: readonly NamedOutput[],
): V2BinaryBody {
  const binary = new Set(request.binaryOutputs);
  const chunks: Uint8Array[] = [];
  const header = {
    ...encodeV2(model, request, []),
    outputs: outputs.map(({ spec, tensor }) => {
      const base = { name: spec.name, datatype: v2DatatypeOf(tensor.dtype), shape: tensor.shape };
      if (!binary.has(spec.name)) return { ...base, data: jsonLeaves(tensor, spec, "v2") };
      const bytes = tensorBytesOf(tensor);
      chunks.push(bytes);
      return { ...base, parameters: { binary_data_size: bytes.byteLength } };
    }),
  };
  const json = encoder.encode(JSON.stringify(header));
  const body = new Uint8Array(json.byteLength + chunks.reduce((n, c) => n + c.byteLength, 0));
  body.set(json, 0);
  let pos = json.byteLength;
  for (const chunk of chunks) {
    body.set(chunk, pos);
    pos += chunk.byteLength;
  }
  return { headerLength: json.byteLength, bytes: body };
}
