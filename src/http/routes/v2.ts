/**
 * Open Inference Protocol (KServe v2) over HTTP/REST:
 *   GET  /v2, /v2/health/live, /v2/health/ready
 *   GET  /v2/models/{name}[/versions/{v}]          model metadata
 *   GET  /v2/models/{name}[/versions/{v}]/ready    model readiness
 *   POST /v2/models/{name}[/versions/{v}]/infer    inference (JSON, or the binary tensor data extension)
 *   POST /v2/repository/index                      repository extension
 */
import { Hono, type Context } from "hono";
import { inferV2Http } from "../../core/serving/protocols.ts";
import { HEADER_LENGTH, splitBinaryBody } from "../../core/codecs/v2-binary.ts";
import { parseEnvelope, V2RepositoryIndexRequest } from "../../core/codecs/schemas.ts";
import { invalidInput, ServeError } from "../../core/errors.ts";
import { modelMetadata, modelReadiness, serverReady } from "../../core/serving/metadata.ts";
import type { ModelRef } from "../../core/models/registry.ts";
import { SERVER_NAME, SERVER_VERSION } from "../../core/version.ts";
import type { AppEnv } from "../app-env.ts";
import { binaryHeaderLength, readBinary, readJson, readOptionalJson } from "../body.ts";
import { errorResponse } from "../errors.ts";

export const v2 = new Hono<AppEnv>();

function refOf(c: Context<AppEnv>): ModelRef {
  const name = c.req.param("name") ?? "";
  const version = c.req.param("version");
  if (version === undefined) return { name };
  if (!/^\d+$/.test(version)) throw invalidInput(`version: expected a non-negative integer, got '${version}'`);
  return { name, version: Number(version) };
}

v2.get("/", (c) => c.json({ name: SERVER_NAME, version: SERVER_VERSION, extensions: ["model_repository", "binary_tensor_data"] }));
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
    // The binary tensor data extension: a JSON header of the announced length, then tensor bytes.
    const headerLength = binaryHeaderLength(c.req.raw.headers);
    let answer;
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

  v2.all(`${base}/infer`, (c) => errorResponse(405, `${c.req.method} is not allowed here; use POST`, { Allow: "POST" }));
}

v2.post("/repository/index", async (c) => {
  const { deps, settings } = c.var.scope;
  const body = await readOptionalJson(c.req.raw, settings.maxBodyBytes);
  const readyOnly = body !== undefined && parseEnvelope(V2RepositoryIndexRequest, body).ready === true;
  const rows = [];
  for (const entry of await deps.registry.index()) {
    for (const version of entry.versions) {
      try {
        deps.registry.release(await deps.registry.load(entry.name, version));
        rows.push({ name: entry.name, version: String(version), state: "READY", reason: "" });
      } catch (err) {
        if (!(err instanceof ServeError)) throw err;
        if (!readyOnly) rows.push({ name: entry.name, version: String(version), state: "UNAVAILABLE", reason: err.message });
      }
    }
  }
  return c.json(rows);
});
