/**
 * The RPC contract (./contract.ts) is written without imports so consumers read it alone; this file
 * makes the compiler prove it says the same as core. Each line fails `tsc` when the two drift.
 * Type-only: nothing here is emitted into the bundle.
 */
import type { Json as CoreJson } from "../core/codecs/json-values.ts";
import type { V2Request, V2Response } from "../core/codecs/v2.ts";
import type {
  ModelMetadata as CoreMetadata,
  TensorMetadata as CoreTensorMetadata,
  ModelReadiness,
} from "../core/serving/metadata.ts";
import type { V2Datatype } from "../core/tensors/dtypes.ts";
import type { Datatype, InferResponse, Json, ModelMetadata, Readiness, TensorMetadata } from "./contract.ts";

/** True only when A and B are the same type (not merely assignable one way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** True when every A is a B. */
type Fits<A, B> = [A] extends [B] ? true : false;

export type ContractChecks = [
  Same<Datatype, V2Datatype>,
  Fits<CoreJson, Json>,
  Fits<Json, CoreJson>,
  Same<TensorMetadata, CoreTensorMetadata>,
  Fits<CoreMetadata, ModelMetadata>,
  Fits<ModelMetadata, CoreMetadata>,
  Fits<ModelReadiness, Readiness>,
  Fits<V2Response, InferResponse>,
  Fits<InferResponse, V2Response>,
  Fits<V2Request["id"], string | undefined>,
];

/** Fails to compile unless every check above is `true`. */
export const CONTRACT_HOLDS: ContractChecks extends true[] ? true : never = true;
