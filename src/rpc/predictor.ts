/**
 * The RPC entrypoint: `Predictor`, exported by the Worker, bound by other Workers with
 * `services = [{ binding = "ML", service = "stateless-serve", entrypoint = "Predictor" }]`.
 *
 * RPC is a transport like HTTP: each method builds the per-request deps from `env`, decodes its
 * arguments with the protocol codecs, runs the one dataplane, and encodes the answer. Failures
 * cross the boundary as `ServeError [<CODE> <status>]: <message>` (see ./errors.ts).
 * `fetch` serves the same HTTP routes to bound callers, without the public edge's API key and
 * rate limit: only Workers in the same account can bind (docs/service-bindings.md).
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { describeValue, invalidInput, ServeError } from "../core/errors.ts";
import { type ModelRef, parseModelRef } from "../core/models/ref.ts";
import { log } from "../core/observability/log.ts";
import type { Deps } from "../core/serving/dataplane.ts";
import { modelMetadata, modelReadiness, serverReady } from "../core/serving/metadata.ts";
import { inferV2, predictV1 } from "../core/serving/protocols.ts";
import { routes } from "../http/app.ts";
import { reportRequest } from "../worker/report.ts";
import { type RequestScope, requestScope } from "../worker/scope.ts";
import { settingsFrom } from "../worker/settings.ts";
import type {
  InferOptions,
  InferRequest,
  InferResponse,
  ModelMetadata,
  PredictOptions,
  PredictorApi,
  PredictResponse,
  Readiness,
} from "./contract.ts";
import { rpcError } from "./errors.ts";

/**
 * Runs one RPC call with fresh deps; every failure leaves as an RPC error, 5xx ones logged.
 * Like an HTTP request, each call gets a request id and writes one `request` log line (and an
 * Analytics Engine data point when bound); its prediction-cache writes go to `ctx.waitUntil`.
 */
async function serve<T>(env: Env, method: string, run: (deps: Deps) => Promise<T>, ctx?: ExecutionContext): Promise<T> {
  const started = performance.now();
  const request_id = crypto.randomUUID();
  let deps: Deps | undefined;
  let scope: RequestScope | undefined;
  let status = 200;
  let code: string | undefined;
  try {
    const info = { requestId: request_id, ...(ctx ? { waitUntil: (p: Promise<unknown>) => ctx.waitUntil(p) } : {}) };
    scope = requestScope(env, settingsFrom(env as unknown as Record<string, unknown>), { ...info, protocol: "rpc" });
    deps = scope.deps;
    return await run(deps);
  } catch (err) {
    status = err instanceof ServeError ? err.status : 500;
    code = err instanceof ServeError ? err.code : "INTERNAL";
    if (err instanceof ServeError) {
      if (err.status >= 500) log("rpc_failed", { request_id, method, status: err.status, error: err.message });
      throw rpcError(err);
    }
    log("rpc_unhandled_error", {
      request_id,
      method,
      error: String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    throw rpcError({ code: "INTERNAL", status: 500, message: "internal error" });
  } finally {
    const trace = deps?.trace?.summary();
    const ms = performance.now() - started;
    // The prediction log (predict/infer only): records built and queued inside waitUntil.
    const logged = scope?.logPredictions?.({ status, code, latencyMs: ms });
    reportRequest(env, {
      request_id,
      method: "RPC",
      path: method,
      route: `rpc.${method}`,
      status,
      model: trace?.model,
      version: trace?.version,
      ms,
      timings: trace?.timings ?? {},
      cache: trace?.cache,
      error: code,
      ...(logged ? { logged } : {}),
    });
  }
}

/** Checks an options object (anything may arrive over RPC) against the fields a method takes. */
function optionsOf<T extends object>(value: unknown, fields: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidInput(`options: expected an object, got ${describeValue(value)}`);
  }
  for (const field of Object.keys(value)) {
    if (!fields.includes(field))
      throw invalidInput(`options: unknown field '${field}'; expected ${fields.map((f) => `'${f}'`).join(", ")}`);
  }
  return value as Partial<T>;
}

const refOf = (model: unknown, version: unknown, label?: unknown): ModelRef =>
  parseModelRef({ name: model, version, label });

export class Predictor extends WorkerEntrypoint<Env> implements PredictorApi {
  /** The fetch form of the binding: the HTTP routes, as a bound caller reaches them. */
  override fetch(request: Request): Promise<Response> {
    return Promise.resolve(routes.fetch(request, this.env, this.ctx));
  }

  predict(model: string, instances: unknown[], options?: PredictOptions): Promise<PredictResponse> {
    return serve(
      this.env,
      "predict",
      async (deps) => {
        if (typeof model === "string") deps.capture?.asked(model);
        const opts = optionsOf<PredictOptions>(options, ["version", "label", "signatureName", "asOf", "context"]);
        const body: Record<string, unknown> = { instances };
        if (opts.signatureName !== undefined) body.signature_name = opts.signatureName;
        if (opts.asOf !== undefined) body.as_of = opts.asOf;
        if (opts.context !== undefined) body.context = opts.context;
        const { model: served, body: answer } = await predictV1(deps, refOf(model, opts.version, opts.label), body);
        // `instances` in, so the answer is in row format.
        if (!("predictions" in answer))
          throw new ServeError(500, "INTERNAL", "predict: a row-format request was answered in columnar format");
        return { model_name: served.name, model_version: String(served.version), predictions: answer.predictions };
      },
      this.ctx,
    );
  }

  infer(model: string, request: InferRequest, options?: InferOptions): Promise<InferResponse> {
    return serve(
      this.env,
      "infer",
      async (deps) => {
        if (typeof model === "string") deps.capture?.asked(model);
        const opts = optionsOf<InferOptions>(options, ["version"]);
        return (await inferV2(deps, refOf(model, opts.version), request)).body;
      },
      this.ctx,
    );
  }

  metadata(model: string, version?: number): Promise<ModelMetadata> {
    return serve(this.env, "metadata", (deps) => modelMetadata(deps, refOf(model, version)));
  }

  ready(model?: string): Promise<Readiness> {
    return serve(this.env, "ready", async (deps) =>
      model === undefined ? { ready: await serverReady(deps) } : modelReadiness(deps, refOf(model, undefined)),
    );
  }
}
