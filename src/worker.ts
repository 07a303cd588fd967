/**
 * stateless-serve Worker entry: the HTTP app (TF Serving v1 + Open Inference Protocol v2),
 * and the `Predictor` RPC entrypoint for service bindings.
 */
import { app } from "./http/app.ts";

export { Predictor } from "./rpc/predictor.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
