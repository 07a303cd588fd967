/**
 * The two protocols end to end over the one dataplane: decode a request body against the
 * model's signature, predict, encode. HTTP routes and RPC methods are thin wrappers around these.
 */

import type { NamedOutput } from "../codecs/v1.ts";
import { decodeV1, encodeV1, type V1Response } from "../codecs/v1.ts";
import { decodeV2, encodeV2, type V2Request, type V2Response } from "../codecs/v2.ts";
import { decodeV2Binary, encodeV2Binary, type V2BinaryBody } from "../codecs/v2-binary.ts";
import type { ModelRef, ServedModel } from "../models/registry.ts";
import { routingKeyOf } from "../models/routing.ts";
import { type Deps, predict, withModel } from "./dataplane.ts";

export interface Answered<T> {
  /** The version that answered (for a header, or the RPC response). */
  model: { name: string; version: number };
  body: T;
}

/** TF Serving `:predict`: `{instances}` or `{inputs}` in, `{predictions}` or `{outputs}` out. */
export function predictV1(deps: Deps, ref: ModelRef, body: unknown): Promise<Answered<V1Response>> {
  return withModel(deps, { ...ref, routingKey: () => routingKeyOf(body) }, async (model) => {
    const request = decodeV1(body, model.signature, {
      signatureName: model.signatureName,
      passthrough: model.passthrough,
      limits: deps.limits,
    });
    const rowName = request.format === "row" ? (i: number) => `instances[${i}]` : (i: number) => `inputs row ${i}`;
    const asOf = (body as { as_of?: unknown }).as_of;
    const options = asOf === undefined ? undefined : { asOf: { value: asOf, field: "as_of" } };
    const outputs = await predict(deps, model, request.inputs, undefined, rowName, options);
    return { model: { name: model.name, version: model.version }, body: encodeV1(request, outputs) };
  });
}

/** Open Inference Protocol `infer`: JSON tensors in and out (RPC; binary outputs asked for are answered as JSON). */
export function inferV2(deps: Deps, ref: ModelRef, body: unknown): Promise<Answered<V2Response>> {
  return infer(deps, ref, body, (model) => decodeV2(body, model.signature, deps.limits), encodeV2);
}

/**
 * `infer` over HTTP, with the binary tensor data extension: `tensorBytes` are the bytes after the
 * JSON header `body` when the request carried `Inference-Header-Content-Length` (else `body` is a
 * plain JSON request); outputs asked for as binary make the answer a binary body.
 */
export function inferV2Http(
  deps: Deps,
  ref: ModelRef,
  body: unknown,
  tensorBytes?: Uint8Array,
): Promise<Answered<V2Response | V2BinaryBody>> {
  return infer(
    deps,
    ref,
    body,
    (model) =>
      tensorBytes === undefined
        ? decodeV2(body, model.signature, deps.limits)
        : decodeV2Binary(body, tensorBytes, model.signature, deps.limits),
    (model, request, outputs) =>
      request.binaryOutputs ? encodeV2Binary(model, request, outputs) : encodeV2(model, request, outputs),
  );
}

/** The one v2 path: decode (JSON or binary), predict, encode (JSON or binary). */
function infer<T>(
  deps: Deps,
  ref: ModelRef,
  body: unknown,
  decode: (model: ServedModel) => V2Request,
  encode: (model: { name: string; version: number }, request: V2Request, outputs: NamedOutput[]) => T,
): Promise<Answered<T>> {
  return withModel(deps, { ...ref, routingKey: () => routingKeyOf(body) }, async (model) => {
    const request = decode(model);
    const asOf = request.parameters?.as_of;
    const options = asOf === undefined ? undefined : { asOf: { value: asOf, field: "parameters.as_of" } };
    const outputs = await predict(deps, model, request.inputs, request.outputs, (i) => `inputs row ${i}`, options);
    const answered = { name: model.name, version: model.version };
    return { model: answered, body: encode(answered, request, outputs) };
  });
}
