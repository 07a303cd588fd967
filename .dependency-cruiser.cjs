/**
 * The layering of src/ (DESIGN.md "Architecture"; the folders of issue 12), checked by
 * test/unit/layering.test.ts through dependency-cruiser's API. Arrows point down only:
 *
 *   http/, rpc/  ->  worker/  ->  core/, runtime/tfjs, adapters/*, pipelines/*     (src/worker.ts wires it all)
 *
 * Paths are relative to the repository root. Type-only imports count (tsPreCompilationDeps).
 * CommonJS (.cjs) because package.json says "type": "module" and this is plain data.
 */

/** Every layer above core; core and the plug-ins may import none of them. */
const ABOVE_CORE = "^src/(adapters|runtime|pipelines|worker|http|rpc)/|^src/(worker|index)[.]ts$";
/**
 * Platform and framework code that core must not touch (it is runtime-agnostic): resolved into
 * node_modules, or by name when it does not resolve (cloudflare:* never does outside workerd).
 */
const PLATFORM =
  "(^|/)node_modules/(hono|@tensorflow/[^/]+|@cloudflare/[^/]+)/|^(hono|@tensorflow/|@cloudflare/)|^cloudflare:";

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-no-platform",
      comment:
        "src/core is runtime-agnostic: no hono, cloudflare:*, @tensorflow/* (ports in core, implementations in runtime/ and adapters/)",
      severity: "error",
      from: { path: "^src/core/" },
      to: { path: PLATFORM },
    },
    {
      name: "core-no-outer-layers",
      comment: "src/core imports nothing from adapters, runtime, pipelines, worker, http or rpc",
      severity: "error",
      from: { path: "^src/core/" },
      to: { path: ABOVE_CORE },
    },
    {
      name: "pipelines-only-core",
      comment: "a plug-in (src/pipelines/<model>) imports only src/core, its own folder and zod",
      severity: "error",
      from: { path: "^src/pipelines/([^/]+)/" },
      to: { pathNot: ["^src/core/", "^src/pipelines/$1/", "(^|/)node_modules/zod/"] },
    },
    {
      name: "runtime-not-up",
      comment: "src/runtime (TF.js) imports core and @tensorflow, never adapters, pipelines, worker, http or rpc",
      severity: "error",
      from: { path: "^src/runtime/" },
      to: { path: "^src/(adapters|pipelines|worker|http|rpc)/|^src/(worker|index)[.]ts$" },
    },
    {
      name: "adapters-not-up",
      comment: "src/adapters (bindings) import core, never runtime, pipelines, worker, http or rpc",
      severity: "error",
      from: { path: "^src/adapters/", pathNot: "^src/adapters/flights/" },
      to: { path: "^src/(runtime|pipelines|worker|http|rpc)/|^src/(worker|index)[.]ts$" },
    },
    {
      name: "plugin-adapters-own-plugin",
      comment:
        "src/adapters/<model>/ (a plug-in's Durable Object, which the plug-in cannot hold: no cloudflare:* there) imports core, other adapters and its own plug-in only",
      severity: "error",
      from: { path: "^src/adapters/(flights)/" },
      to: { path: "^src/(runtime|worker|http|rpc)/|^src/(worker|index)[.]ts$|^src/pipelines/(?!$1/)" },
    },
    {
      name: "worker-not-transports",
      comment: "src/worker (wiring) is below the transports: it never imports http or rpc",
      severity: "error",
      from: { path: "^src/worker/" },
      to: { path: "^src/(http|rpc)/|^src/(worker|index)[.]ts$" },
    },
    {
      name: "http-not-implementations",
      comment: "src/http reaches models and stores through worker/ and core ports, never adapters or runtime directly",
      severity: "error",
      from: { path: "^src/http/" },
      to: { path: "^src/(adapters|runtime)/" },
    },
    {
      name: "no-circular",
      comment: "no import cycles in src/",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-unresolvable",
      comment: "every import in src/ resolves (else the rules above would pass by not seeing the edge)",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true, pathNot: "^cloudflare:" },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "(^|/)node_modules/|^model/artifacts/" },
    enhancedResolveOptions: {
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json"],
      // As wrangler bundles for workerd. No "types": packages list it first in "exports", so a
      // package would resolve to its .d.ts and look like something other than the package.
      conditionNames: ["workerd", "worker", "browser", "import", "default"],
      mainFields: ["module", "main", "types"],
      exportsFields: ["exports"],
    },
    moduleSystems: ["es6"],
    skipAnalysisNotInRules: false,
  },
};
