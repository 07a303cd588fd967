/**
 * wrangler.toml's [env.staging] and [env.production] repeat every var and binding of the top
 * level, because wrangler inherits neither into an environment. A var or binding added at the
 * top level only (what `npm start` and the tests use) would be missing from the deployed Worker
 * and only show up there. This test keeps the three in step: the same var keys with the same
 * values, except the keys below that are meant to differ, and the same bindings by name.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const ENVS = ["staging", "production"] as const;

/** Vars whose value is an environment's own choice (each must still be declared in every env). */
const MAY_DIFFER: Record<string, string> = {
  // On in staging for the soak checks of tf.memory() (behind API_KEYS); off in production.
  DIAGNOSTICS: "GET /_internal/memory: on in staging for soak checks, off in production",
  // Each deployment's own browser origins (production: the app's domain); empty locally.
  CORS_ORIGINS: "each deployment's own browser origins",
};

/** Binding kinds (arrays of tables) and the field that names the binding in the Worker's env. */
const BINDING_KINDS: Record<string, string> = {
  kv_namespaces: "binding",
  r2_buckets: "binding",
  ratelimits: "name",
  d1_databases: "binding",
  services: "binding",
  analytics_engine_datasets: "binding",
  // Queues are nested ([[queues.producers]], [[queues.consumers]]): checked by their own test below.
};

type Table = Record<string, unknown>;
const config = parse(readFileSync(join(ROOT, "wrangler.toml"), "utf8")) as Table;
const envs = (config.env ?? {}) as Record<string, Table>;
const vars = (section: Table) => (section.vars ?? {}) as Record<string, unknown>;

function bindingNames(section: Table, kind: string): string[] {
  const field = BINDING_KINDS[kind]!;
  return ((section[kind] ?? []) as Table[]).map((entry) => String(entry[field])).sort();
}

describe("wrangler.toml environments repeat the top level", () => {
  it("declares staging and production", () => {
    expect(Object.keys(envs).sort()).toEqual([...ENVS].sort());
  });

  it.each(ENVS)("[env.%s.vars] has every top-level var, with the same value unless it may differ", (name) => {
    const top = vars(config);
    const env = vars(envs[name]!);
    expect(Object.keys(env).sort(), `[env.${name}.vars] keys`).toEqual(Object.keys(top).sort());
    const differing = Object.keys(top).filter((key) => env[key] !== top[key]);
    // For the reviewer: which values this environment sets differently today, and why that is allowed.
    const report = differing.map(
      (key) => `  ${key}: top level ${JSON.stringify(top[key])}, ${name} ${JSON.stringify(env[key])}`,
    );
    console.info(
      `[env.${name}.vars] differs from the top level in ${differing.length} key(s)${differing.length ? `:\n${report.join("\n")}` : ""}`,
    );
    const unexpected = differing.filter((key) => !(key in MAY_DIFFER));
    expect(unexpected, `differs from the top level but is not in MAY_DIFFER:\n${report.join("\n")}`).toEqual([]);
  });

  it("lists only keys that exist in MAY_DIFFER", () => {
    expect(Object.keys(MAY_DIFFER).filter((key) => !(key in vars(config)))).toEqual([]);
  });

  it.each(ENVS)("[env.%s] declares every binding the top level declares", (name) => {
    const kinds = Object.keys(BINDING_KINDS).filter((kind) => kind in config);
    expect(kinds.length).toBeGreaterThan(0);
    for (const kind of kinds) {
      expect(bindingNames(envs[name]!, kind), `[[env.${name}.${kind}]]`).toEqual(bindingNames(config, kind));
    }
  });

  it.each(ENVS)("[env.%s] declares the top level's Durable Objects and their migrations", (name) => {
    const objects = (section: Table) =>
      (((section.durable_objects as Table | undefined)?.bindings ?? []) as Table[])
        .map((b) => `${b.name}=${b.class_name}`)
        .sort();
    const migrations = (section: Table) => JSON.stringify(section.migrations ?? []);
    expect(objects(envs[name]!), `[[env.${name}.durable_objects.bindings]]`).toEqual(objects(config));
    expect(migrations(envs[name]!), `[[env.${name}.migrations]]`).toBe(migrations(config));
  });

  it.each(ENVS)(
    "[env.%s] declares the top level's queue producers and consumers, each with its dead-letter queue",
    (name) => {
      type Queues = { producers?: Table[]; consumers?: Table[] };
      const queues = (section: Table) => (section.queues ?? {}) as Queues;
      const top = queues(config);
      const env = queues(envs[name]!);
      expect((top.producers ?? []).length, "top-level [[queues.producers]]").toBeGreaterThan(0);
      const bindings = (q: Queues) => (q.producers ?? []).map((p) => String(p.binding)).sort();
      expect(bindings(env), `[[env.${name}.queues.producers]] bindings`).toEqual(bindings(top));
      // Queue names differ per environment; what must match is the shape: which queues are consumed,
      // which of them have a dead-letter queue, and that every dead-letter queue is itself consumed.
      for (const section of [top, env]) {
        const produced = new Set((section.producers ?? []).map((p) => String(p.queue)));
        const consumed = new Set((section.consumers ?? []).map((c) => String(c.queue)));
        for (const queue of produced)
          expect(consumed.has(queue), `${name}: producer queue '${queue}' is consumed`).toBe(true);
        for (const consumer of section.consumers ?? []) {
          const dlq = consumer.dead_letter_queue;
          if (dlq !== undefined)
            expect(consumed.has(String(dlq)), `${name}: dead-letter queue '${dlq}' is consumed`).toBe(true);
          expect(Number(consumer.max_retries), `${name}: '${consumer.queue}' max_retries`).toBeGreaterThan(0);
        }
      }
      const shape = (q: Queues) =>
        (q.consumers ?? [])
          .map(
            (c) => `${c.dead_letter_queue === undefined ? "dead-letter" : "log"}:${c.max_batch_size}:${c.max_retries}`,
          )
          .sort();
      expect(shape(env), `[[env.${name}.queues.consumers]]`).toEqual(shape(top));
      expect(((envs[name]!.queues as Queues | undefined)?.producers ?? []).map((p) => String(p.queue))).toEqual(
        (top.producers ?? []).map(
          (p) =>
            `${String(p.queue).replace("stateless-serve-log", `stateless-serve-log${name === "staging" ? "-staging" : ""}`)}`,
        ),
      );
    },
  );

  it.each(ENVS)("[env.%s] has the top level's Cron Triggers (staged rollouts' evaluation)", (name) => {
    const crons = (section: Table) => ((section.triggers as Table | undefined)?.crons ?? []) as string[];
    expect(crons(config).length, "top-level [triggers] crons").toBeGreaterThan(0);
    expect(crons(envs[name]!), `[env.${name}.triggers] crons`).toEqual(crons(config));
  });

  it.each(["top level", ...ENVS])(
    "%s: RATE_LIMIT_PERIOD equals its [[ratelimits]] period (sent as Retry-After)",
    (name) => {
      const section = name === "top level" ? config : envs[name]!;
      const limits = (section.ratelimits ?? []) as Array<{ simple?: { period?: number } }>;
      for (const limit of limits) {
        expect(vars(section).RATE_LIMIT_PERIOD, `${name}: RATE_LIMIT_PERIOD vs ratelimits simple.period`).toBe(
          String(limit.simple?.period),
        );
      }
    },
  );
});
