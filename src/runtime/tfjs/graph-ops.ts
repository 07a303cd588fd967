/**
 * Which graph models TF.js can only run with `executeAsync`: those with control flow (TF1 while
 * loops and conds, functional If/While), dynamic output shapes (non-max suppression, Where) or
 * hash tables, as object detectors and NLP models have. Read from model.json's GraphDef at load.
 */

/** The ops TF.js' graph executor refuses to run synchronously (tfjs-converter model_analysis). */
export const ASYNC_OPS: ReadonlySet<string> = new Set([
  // control flow
  "Switch",
  "Merge",
  "Enter",
  "Exit",
  "NextIteration",
  "LoopCond",
  "If",
  "StatelessIf",
  "While",
  "StatelessWhile",
  // dynamic output shapes
  "NonMaxSuppressionV2",
  "NonMaxSuppressionV3",
  "NonMaxSuppressionV4",
  "NonMaxSuppressionV5",
  "Where",
  // hash tables
  "HashTable",
  "HashTableV2",
  "LookupTableImport",
  "LookupTableImportV2",
  "LookupTableFind",
  "LookupTableFindV2",
  "LookupTableSize",
  "LookupTableSizeV2",
]);

interface GraphJson {
  modelTopology?: {
    node?: Array<{ op?: unknown }>;
    library?: { function?: Array<{ nodeDef?: Array<{ op?: unknown }> }> };
  };
}

/** True when a graph model's nodes (or its library functions' nodes) hold an op from ASYNC_OPS. */
export function needsExecuteAsync(modelJson: object): boolean {
  const topology = (modelJson as GraphJson).modelTopology ?? {};
  const nodes = [
    ...(Array.isArray(topology.node) ? topology.node : []),
    ...(topology.library?.function ?? []).flatMap((f) => f.nodeDef ?? []),
  ];
  return nodes.some((n) => typeof n.op === "string" && ASYNC_OPS.has(n.op));
}
