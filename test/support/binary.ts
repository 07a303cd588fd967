/**
 * The v2 binary tensor data extension written and read by hand with DataView, independently of
 * src/core/codecs/v2-binary.ts: the tests' reference for request bodies and binary answers.
 */

type Json = Record<string, unknown>;

/** Little-endian bytes of numbers written by `set` at `width` bytes each. */
function write(
  values: readonly number[],
  width: number,
  set: (view: DataView, offset: number, value: number) => void,
): Uint8Array {
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => set(view, i * width, v));
  return out;
}

export const fp32 = (values: readonly number[]) => write(values, 4, (v, o, x) => v.setFloat32(o, x, true));
export const fp64 = (values: readonly number[]) => write(values, 8, (v, o, x) => v.setFloat64(o, x, true));
export const int32 = (values: readonly number[]) => write(values, 4, (v, o, x) => v.setInt32(o, x, true));
export const uint32 = (values: readonly number[]) => write(values, 4, (v, o, x) => v.setUint32(o, x, true));
export const int8 = (values: readonly number[]) => write(values, 1, (v, o, x) => v.setInt8(o, x));
export const int64 = (values: readonly bigint[]) => {
  const out = new Uint8Array(values.length * 8);
  values.forEach((x, i) => new DataView(out.buffer).setBigInt64(i * 8, x, true));
  return out;
};
/** FP16 from raw half-precision bit patterns (e.g. 0x3c00 = 1). */
export const fp16Bits = (bits: readonly number[]) => write(bits, 2, (v, o, x) => v.setUint16(o, x, true));
export const bool = (values: readonly boolean[]) => Uint8Array.from(values, (b) => (b ? 1 : 0));
/** BYTES: each element a 4-byte little-endian length, then its bytes. */
export function bytesElements(values: ReadonlyArray<string | Uint8Array>): Uint8Array {
  const parts = values.map((v) => (typeof v === "string" ? new TextEncoder().encode(v) : v));
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let pos = 0;
  for (const p of parts) {
    view.setUint32(pos, p.length, true);
    out.set(p, pos + 4);
    pos += 4 + p.length;
  }
  return out;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** A binary-extension body: the JSON header, then the chunks; its header length for the HTTP header. */
export function binaryBody(header: Json, chunks: readonly Uint8Array[]): { body: Uint8Array; headerLength: number } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  return { body: concat([json, ...chunks]), headerLength: json.length };
}

/** Encodes one flat JSON `data` array of `datatype` (FP32, INT32, BOOL, BYTES). */
export function elementsOf(datatype: string, data: readonly unknown[]): Uint8Array {
  switch (datatype) {
    case "FP32":
      return fp32(data as number[]);
    case "INT32":
      return int32(data as number[]);
    case "BOOL":
      return bool(data as boolean[]);
    case "BYTES":
      return bytesElements(data as string[]);
    default:
      throw new Error(`test support: ${datatype} is not encoded here`);
  }
}

/**
 * A JSON v2 infer request turned into a binary-extension body: every input's (flat or nested)
 * `data` becomes `parameters.binary_data_size` bytes after the header. `extra` merges into the header.
 */
export function toBinaryRequest(
  request: { inputs: Array<Json & { datatype: string; data: unknown[] }> } & Json,
  extra: Json = {},
) {
  const chunks: Uint8Array[] = [];
  const inputs = request.inputs.map(({ data, ...input }) => {
    const bytes = elementsOf(input.datatype, data.flat(Infinity));
    chunks.push(bytes);
    return { ...input, parameters: { ...(input.parameters as Json | undefined), binary_data_size: bytes.length } };
  });
  return binaryBody({ ...request, ...extra, inputs }, chunks);
}

/** Reads a binary answer: the JSON header, and each binary output's elements as plain values. */
export function parseBinaryAnswer(
  bytes: Uint8Array,
  headerLength: number,
): { header: Json & { outputs: Json[] }; values: Record<string, unknown[]> } {
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, headerLength))) as Json & { outputs: Json[] };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: Record<string, unknown[]> = {};
  let pos = headerLength;
  for (const output of header.outputs) {
    const size = (output.parameters as { binary_data_size?: number } | undefined)?.binary_data_size;
    if (size === undefined) continue;
    const end = pos + size;
    const out: unknown[] = [];
    switch (output.datatype) {
      case "FP32":
        for (; pos < end; pos += 4) out.push(view.getFloat32(pos, true));
        break;
      case "INT32":
        for (; pos < end; pos += 4) out.push(view.getInt32(pos, true));
        break;
      case "BOOL":
        for (; pos < end; pos += 1) out.push(view.getUint8(pos) === 1);
        break;
      case "BYTES":
        while (pos < end) {
          const length = view.getUint32(pos, true);
          out.push(new TextDecoder().decode(bytes.subarray(pos + 4, pos + 4 + length)));
          pos += 4 + length;
        }
        break;
      default:
        throw new Error(`test support: ${String(output.datatype)} is not decoded here`);
    }
    if (pos !== end)
      throw new Error(`output ${String(output.name)}: elements end at ${pos}, binary_data_size says ${end}`);
    values[String(output.name)] = out;
  }
  if (pos !== bytes.length) throw new Error(`${bytes.length - pos} bytes left after the binary outputs`);
  return { header, values };
}
