/**
 * The plug-in table: model pipelines a manifest can name in `preprocess.kind`. A model with its
 * own pre- and post-processing adds its folder under src/pipelines/<name>/ and one line here.
 */
import type { PipelineFactory } from "../core/pipeline/plugin.ts";
import { flightsPipeline } from "../pipelines/flights/pipeline.ts";

export const PIPELINES: Readonly<Record<string, PipelineFactory>> = { flights: flightsPipeline };
