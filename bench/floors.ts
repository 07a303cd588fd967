/**
 * The floors of issue 16: the least the benchmark's work can cost on workerd, as two tiny Workers
 * run under plain Miniflare like the bundle (same runtime, same compatibility date, same loopback):
 *
 *   floor     receives the body and answers fixed JSON: what any prediction costs at least.
 *   floor-kv  parses the body (v1 `instances` of flights) and reads every flight's 5 context keys
 *             (ap:ORIGIN, ap:DEST, route:ORIGIN-DEST, cong:ORIGIN:DATE, cong:DEST:DATE, deduplicated
 *             over the batch) from local KV in ONE multi-key `get(keys, {type: "json", cacheTtl})`,
 *             then answers one small JSON object per flight: what a flight with context costs at least.
 *
 * Neither validates, logs or runs a model; they are the denominators of the bench's ratios.
 */

/** Answering before the body is read stalls keep-alive connections, so the floor reads it. */
export const NOOP_FLOOR = `export default {
  async fetch(request) {
    await request.arrayBuffer();
    return new Response('{"predictions":[[0.5]]}', { headers: { "content-type": "application/json" } });
  },
};`;

/** KV's `cacheTtl` in the floor: the production default KV_CACHE_TTL (src/worker/settings.ts). */
export const KV_FLOOR_CACHE_TTL = 60;

export const KV_FLOOR = `export default {
  async fetch(request, env) {
    const { instances } = await request.json();
    const keys = new Set();
    for (const f of instances) {
      const date = f.departure.slice(0, 10);
      keys.add("ap:" + f.origin);
      keys.add("ap:" + f.destination);
      keys.add("route:" + f.origin + "-" + f.destination);
      keys.add("cong:" + f.origin + ":" + date);
      keys.add("cong:" + f.destination + ":" + date);
    }
    const values = await env.CONTEXT.get([...keys], { type: "json", cacheTtl: ${KV_FLOOR_CACHE_TTL} });
    const predictions = instances.map((f) => ({
      delay_probability: 0.5,
      found: values.get("ap:" + f.origin) !== null && values.get("ap:" + f.destination) !== null,
    }));
    return new Response(JSON.stringify({ predictions }), { headers: { "content-type": "application/json" } });
  },
};`;
