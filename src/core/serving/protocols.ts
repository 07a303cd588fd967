/**
 * The two protocols end to end over the one dataplane: decode a request body against the
 * model's signature, predict, encode. HTTP routes and RPC methods are thin wrappers around these.
 */

import { classifyOutputs } from "../codecs/classification.ts";
import type { NamedOutput } from "../codecs/v1.ts";
import { decodeV1, encodeV1, encodeV1Text, type V1Request, type V1Response } from "../codecs/v1.ts";
import { decodeV2, encodeV2, type V2Request, type V2Response } from "../codecs/v2.ts";
import { decodeV2Binary, encodeV2Binary, type V2BinaryBody } from "../codecs/v2-binary.ts";
import { describeValue, invalidInput } from "../errors.ts";
import type { ModelRef, ServedModel } from "../models/registry.ts";
import { routingKeyOf } from "../models/routing.ts";
import type { PrepareOptions } from "../pipeline/plugin.ts";
import { type Deps, predict, withModel } from "./dataplane.ts";

/** What a request says beyond its tensors: `as_of` (carried in `asOfField`) and whether to explain the context. */
function requestOptions(asOf: string | undefined, context: boolean | undefined, asOfField: string): PrepareOptions {
  return { now: Date.now(), explain: context === true, ...(asOf !== undefined ? { asOf, asOfField } : {}) };
}

/** v1 top-level `as_of` and `context` (already type-checked by the envelope schema). */
function v1Options(body: unknown): PrepareOptions {
  const { as_of, context } = body as { as_of?: string; context?: boolean };
  return requestOptions(as_of, context, "as_of");
}

/** v2 request `parameters.as_of` (a string) and `parameters.context` (a boolean). */
function v2Options(parameters: Record<string, unknown> | undefined): PrepareOptions {
  const { as_of, context } = parameters ?? {};
  if (as_of !== undefined && typeof as_of !== "string")
    throw invalidInput(`parameters.as_of: expected a string, got ${describeValue(as_of)}`);
  if (context !== undefined && typeof context !== "boolean")
    throw invalidInput(`parameters.context: expected a boolean, got ${describeValue(context)}`);
  return requestOptions(as_of, context, "parameters.as_of");
}

/** A row's v1 pass-through fields (row format: its own; columnar: each field's value at the row). */
function passedFields(request: V1Request): (row: number) => Record<string, unknown> {
  if (request.format === "row") return (row) => request.keys[row] ?? {};
  const columns = Object.entries(request.keys);
  return (row) => Object.fromEntries(columns.map(([k, v]) => [k, Array.isArray(v) ? v[row] : v]));
}

export interface Answered<T> {
  /** The version that answered (for a header, or the RPC response). */
  model: { name: string; version: number };
  body: T;
}

/** TF Serving `:predict`: `{instances}` or `{inputs}` in, `{predictions}` or `{outputs}` out (RPC: plain numbers). */
export function predictV1(deps: Deps, ref: ModelRef, body: unknown): Promise<Answered<V1Response>> {
  return predictV1As(deps, ref, body, encodeV1);
}

/** `:predict` over HTTP: the answer as JSON text with floats printed as TF Serving prints them (`1.0`, `NaN`). */
export function predictV1Text(deps: Deps, ref: ModelRef, body: unknown): Promise<Answered<string>> {
  return predictV1As(deps, ref, body, encodeV1Text);
}

function predictV1As<T>(
  deps: Deps,
  ref: ModelRef,
  body: unknown,
  encode: (request: V1Request, outputs: NamedOutput[]) => T,
): Promise<Answered<T>> {
  return withModel(deps, { ...ref, routingKey: () => routingKeyOf(body) }, async (model) => {
    const request = decodeV1(body, model.signature, {
      signatureName: model.signatureName,
      passthrough: model.passthrough,
      limits: deps.limits,
    });
    const keys = { kind: "passthrough", fields: passedFields(request) } as const;
    deps.capture?.keys(keys);
    deps.shadow?.keys(keys);
    const rowName = request.format === "row" ? (i: number) => `instances[${i}]` : (i: number) => `inputs row ${i}`;
    const outputs = await predict(deps, model, request.inputs, undefined, rowName, v1Options(body));
    return { model: { name: model.name, version: model.version }, body: encode(request, outputs) };
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
    const keys = { kind: "id", id: request.id } as const;
    deps.capture?.keys(keys);
    deps.shadow?.keys(keys);
    const predicted = await predict(
      deps,
      model,
      request.inputs,
      request.outputs,
      (i) => `inputs row ${i}`,
      v2Options(request.parameters),
    );
    const outputs = classifyOutputs(predicted, request.classify, model.labels);
    const answered = { name: model.name, version: model.version };
    return { model: answered, body: encode(answered, request, outputs) };
  });
}
