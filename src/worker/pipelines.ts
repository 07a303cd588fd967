/** Pipelines a manifest can name in `preprocess.kind`. */
import { flightsPipeline } from "../pipelines/flights/pipeline.ts";
import type { PipelineFactory } from "../core/pipeline/plugin.ts";

export const PIPELINES: Readonly<Record<string, PipelineFactory>> = { flights: flightsPipeline };
