/**
 * flight-status: a small Worker that adds a delay risk to a flight by asking stateless-serve,
 * bound as `env.ML` (a service binding to its `Predictor` entrypoint).
 *
 *   GET  /flights/:origin/:destination?departure=YYYY-MM-DDTHH:MM&distance=<miles>[&flight=UA123]
 *                       the flight with its delay risk, scored over RPC: env.ML.predict(MODEL, [instance])
 *   POST /predict       {"instances": [...]}: the model's answer over RPC
 *   POST /predict/http  the same through the binding's fetch form (the TF Serving route)
 *   POST /predict/url   the same over plain HTTP to SERVE_URL (no binding; for comparison)
 *   GET  /ready         env.ML.ready(MODEL)
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { type Bindings, predictOverFetch, rpc } from "./ml.ts";

const app = new Hono<{ Bindings: Bindings }>();

/** What the flights model answers per instance (other models answer other shapes). */
interface FlightPrediction {
  delay_probability: number;
  delayed: boolean;
  key?: unknown;
}

const isFlightPrediction = (p: unknown): p is FlightPrediction =>
  typeof p === "object" && p !== null && typeof (p as FlightPrediction).delay_probability === "number";

async function instancesOf(req: Request): Promise<unknown[]> {
  const body = (await req.json().catch(() => undefined)) as { instances?: unknown } | undefined;
  if (!Array.isArray(body?.instances))
    throw new HTTPException(400, { res: Response.json({ error: 'expected {"instances": [...]}' }, { status: 400 }) });
  return body.instances;
}

app.get("/", (c) =>
  c.json({
    name: "flight-status",
    model: c.env.MODEL,
    routes: ["/flights/:origin/:destination", "/predict", "/predict/http", "/predict/url", "/ready"],
  }),
);

app.get("/flights/:origin/:destination", async (c) => {
  const { origin, destination } = c.req.param();
  const departure = c.req.query("departure") ?? "";
  const distance = Number(c.req.query("distance"));
  const flight = c.req.query("flight") ?? `${origin}-${destination}`;
  if (departure === "" || !Number.isFinite(distance)) {
    return c.json({ error: "query: give departure=YYYY-MM-DDTHH:MM and distance=<miles>" }, 400);
  }
  const answer = await rpc(() =>
    c.env.ML.predict(c.env.MODEL, [{ origin, destination, departure, distance, key: flight }]),
  );
  const prediction = answer.predictions[0];
  return c.json({
    flight: { number: flight, origin, destination, departure, distance },
    delay_risk: isFlightPrediction(prediction)
      ? { probability: prediction.delay_probability, delayed: prediction.delayed }
      : prediction,
    model: { name: answer.model_name, version: answer.model_version },
  });
});

app.post("/predict", async (c) => {
  const instances = await instancesOf(c.req.raw);
  return c.json(await rpc(() => c.env.ML.predict(c.env.MODEL, instances)));
});

app.post("/predict/http", async (c) => {
  // The host is not used for routing: a service binding delivers the request to the bound Worker.
  return c.json(await predictOverFetch(c.env.ML, "https://stateless-serve", c.env.MODEL, await instancesOf(c.req.raw)));
});

app.post("/predict/url", async (c) => {
  if (!c.env.SERVE_URL) return c.json({ error: "SERVE_URL is not set" }, 501);
  const internet = { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init) }; // global fetch, unbound
  return c.json(await predictOverFetch(internet, c.env.SERVE_URL, c.env.MODEL, await instancesOf(c.req.raw)));
});

app.get("/ready", async (c) => c.json(await rpc(() => c.env.ML.ready(c.env.MODEL))));

app.onError((err, c) => {
  if (err instanceof HTTPException) return err.getResponse();
  console.error(JSON.stringify({ event: "unhandled_error", error: String(err) }));
  return c.json({ error: "internal error" }, 500);
});

export default app satisfies ExportedHandler<Bindings>;
