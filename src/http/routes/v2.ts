/**
 * Open Inference Protocol (KServe v2) over HTTP/REST:
 *   GET  /v2, /v2/health/live, /v2/health/ready
 *   GET  /v2/models/{name}[/versions/{v}]          model metadata
 *   GET  /v2/models/{name}[/versions/{v}]/ready    model readiness
 *   POST /v2/models/{name}[/versions/{v}]/infer    inference (JSON, or the binary tensor data extension)
 *   POST /v2/repository/index                      the repository index
 *   POST /v2/repository/models/{name}/load|unload  400: models load on demand (a stateless server holds none)
 */
import { type Context, Hono } from "hono";
import { parseEnvelope, V2RepositoryIndexRequest } from "../../core/codecs/schemas.ts";
import { HEADER_LENGTH, splitBinaryBody } from "../../core/codecs/v2-binary.ts";
import { type ModelRef, parseModelRef } from "../../core/models/ref.ts";
import { modelMetadata, modelReadiness, serverReady } from "../../core/serving/metadata.ts";
import { inferV2Http } from "../../core/serving/protocols.ts";
import { repositoryIndex } from "../../core/serving/status.ts";
import { SERVER_NAME, SERVER_VERSION } from "../../core/version.ts";
import type { AppEnv } from "../app-env.ts";
import { binaryHeaderLength, readBinary, readJson, readOptionalJson } from "../body.ts";
import { errorResponse } from "../errors.ts";

export const v2 = new Hono<AppEnv>();

const refOf = (c: Context<AppEnv>): ModelRef =>
  parseModelRef({ name: c.req.param("name") ?? "", version: c.req.param("version") });

/**
 * Only whole extensions are advertised: `model_repository` is not, as its load/unload cannot mean
 * anything here (the index route still answers, for clients that call it regardless).
 */
export const EXTENSIONS = ["binary_tensor_data", "classification", "statistics"];

/** `GET /v2` (and `GET /v2/`, mounted by the app): server metadata. */
export const serverMetadata = (c: Context<AppEnv>) =>
  c.json({ name: SERVER_NAME, version: SERVER_VERSION, extensions: EXTENSIONS });

v2.get("/", serverMetadata);
v2.get("/health/live", (c) => c.json({ live: true }));
v2.get("/health/ready", async (c) => {
  const ready = await serverReady(c.var.scope.deps);
  return c.json({ ready }, ready ? 200 : 503);
});

for (const base of ["/models/:name", "/models/:name/versions/:version"]) {
  v2.get(base, async (c) => c.json(await modelMetadata(c.var.scope.deps, refOf(c))));

  v2.get(`${base}/ready`, async (c) => {
    const readiness = await modelReadiness(c.var.scope.deps, refOf(c));
    return c.json(readiness, readiness.ready ? 200 : 503);
  });

  v2.post(`${base}/infer`, async (c) => {
    const { deps, settings } = c.var.scope;
    deps.capture?.asked(c.req.param("name") ?? "");
    // The binary tensor data extension: a JSON header of the announced length, then tensor bytes.
    const headerLength = binaryHeaderLength(c.req.raw.headers);
    let answer: Awaited<ReturnType<typeof inferV2Http>>;
    if (headerLength === undefined) {
      answer = await inferV2Http(deps, refOf(c), await readJson(c.req.raw, settings.maxBodyBytes));
    } else {
      const { header, tensorBytes } = splitBinaryBody(await readBinary(c.req.raw, settings.maxBodyBytes), headerLength);
      answer = await inferV2Http(deps, refOf(c), header, tensorBytes);
    }
    c.header("x-model-version", String(answer.model.version));
    if (!("headerLength" in answer.body)) return c.json(answer.body);
    c.header("content-type", "application/octet-stream");
    c.header(HEADER_LENGTH, String(answer.body.headerLength));
    return c.body(answer.body.bytes);
  });

  v2.all(`${base}/infer`, (c) =>
    errorResponse(405, `${c.req.method} is not allowed here; use POST`, { Allow: "POST" }),
  );
}

v2.post("/repository/index", async (c) => {
  const { deps, settings } = c.var.scope;
  const body = await readOptionalJson(c.req.raw, settings.maxBodyBytes);
  const readyOnly = body !== undefined && parseEnvelope(V2RepositoryIndexRequest, body).ready === true;
  const rows = await repositoryIndex(deps, readyOnly);
  return c.json(
    rows.map(({ name, version, error }) => ({
      name,
      ...(version === undefined ? {} : { version: String(version) }),
      state: error === undefined ? "READY" : "UNAVAILABLE",
      reason: error ?? "",
    })),
  );
});

for (const action of ["load", "unload"] as const) {
  v2.post(`/repository/models/:name/${action}`, () =>
    errorResponse(
      400,
      `${action}: models load on demand in this stateless server: each version loads on its first request, on any isolate, and is never held between requests by contract; publish or retire versions in the registry instead (npm run models)`,
    ),
  );
}
