/**
 * stateless-serve Worker entry: the HTTP app (TF Serving v1 + Open Inference Protocol v2).
 */
import { app } from "./http/app.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
