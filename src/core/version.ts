/** Reported by GET /v2 (server metadata). Keep in step with package.json. */
export const SERVER_NAME = "stateless-serve";
export const SERVER_VERSION = "0.1.0";
