/**
 * The two protocols end to end over the one dataplane: decode a request body against the
 * model's signature, predict, encode. HTTP routes and RPC methods are thin wrappers around these.
 */
import { decodeV1, encodeV1 } from "./codecs/v1.ts";
import { decodeV2, encodeV2, type V2Response } from "./codecs/v2.ts";
import { predict, withModel, type Deps } from "./dataplane.ts";
import type { ModelRef } from "./registry.ts";
import { routingKeyOf } from "./routing.ts";

export interface Answered<T> {
  /** The version that answered (for a header, or the RPC response). */
  model: { name: string; version: number };
  body: T;
}

/** TF Serving `:predict`: `{instances}` or `{inputs}` in, `{predictions}` or `{outputs}` out. */
export function predictV1(deps: Deps, ref: ModelRef, body: unknown): Promise<Answered<Record<string, unknown>>> {
  return withModel(deps, { ...ref, routingKey: () => routingKeyOf(body) }, async (model) => {
    const request = decodeV1(body, model.signature, {
      signatureName: model.signatureName,
      passthrough: model.passthrough,
      limits: deps.limits,
    });
    const rowName = request.format === "row" ? (i: number) => `instances[${i}]` : (i: number) => `inputs row ${i}`;
    const outputs = await predict(deps, model, request.inputs, undefined, rowName);
    return { model: { name: model.name, version: model.version }, body: encodeV1(request, outputs) };
  });
}

/** Open Inference Protocol `infer`. */
export function inferV2(deps: Deps, ref: ModelRef, body: unknown): Promise<Answered<V2Response>> {
  return withModel(deps, { ...ref, routingKey: () => routingKeyOf(body) }, async (model) => {
    const request = decodeV2(body, model.signature, deps.limits);
    const outputs = await predict(deps, model, request.inputs, request.outputs, (i) => `inputs row ${i}`);
    return { model: { name: model.name, version: model.version }, body: encodeV2(model, request, outputs) };
  });
}
