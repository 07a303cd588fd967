/** Pipelines a manifest can name in `preprocess.kind`. */
import { flightsPipeline } from "./flights/pipeline.ts";
import type { PipelineFactory } from "./pipeline.ts";

export const PIPELINES: Readonly<Record<string, PipelineFactory>> = { flights: flightsPipeline };
