/** Pipelines a manifest can name in `preprocess.kind`. */
import type { PipelineFactory } from "./pipeline.ts";

export const PIPELINES: Readonly<Record<string, PipelineFactory>> = {};
