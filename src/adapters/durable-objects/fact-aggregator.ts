/**
 * A Durable Object that aggregates facts into one KV value, for live context (docs/deploy.md,
 * "Live context"). One object per KV key (e.g. an airport-day); the model-specific part (how a
 * fact merges, how facts render into the value) is a subclass in src/worker/.
 *
 * - Idempotent: each update carries its event's id; an id seen before changes nothing, so a
 *   retried or replayed event never counts twice.
 * - Out of order: facts are kept per fact id and merged, and the value is rendered from all of
 *   them, so arrival order does not matter (the value bins by when facts became known).
 * - Durable: every fact, every event id and the write state are in the object's storage before
 *   `apply` returns; the object holds nothing in memory, so a restart loses nothing.
 * - KV writes are batched: at most one write per `minWriteIntervalMs` (KV allows one write per
 *   second per key), by an alarm; a failed write is retried by the alarm with backoff (up to a
 *   minute apart), and a write never loses updates that arrived while it was in flight.
 */
import { DurableObject } from "cloudflare:workers";

export interface Update<F> {
  eventId: string;
  factId: string;
  /** Epoch ms when the fact became known (the value's updated_at is the newest). */
  time: number;
  fact: F;
}

export interface ApplyResult {
  applied: number;
  duplicates: number;
  /** The event ids seen before (their updates changed nothing). */
  duplicateIds: string[];
}

interface Meta {
  key: string;
  /** Newest fact time, epoch ms. */
  watermark: number;
  /** Bumped by every apply that changed something. */
  version: number;
  /** The version last written to KV (-1: never). */
  written: number;
  /** Epoch ms of the last successful write. */
  writtenAt: number;
  failures: number;
}

export interface AggregatorState {
  key?: string;
  version: number;
  written: number;
  failures: number;
  facts: number;
}

export interface KvWriter {
  put(key: string, value: string): Promise<void>;
}

export abstract class FactAggregator<F, E = unknown> extends DurableObject<E> {
  /** At most one KV write per key per this many ms. */
  protected readonly minWriteIntervalMs: number = 1000;

  /** Where the value is written (the context KV namespace). */
  protected abstract store(): KvWriter;
  /** A fact after an update (`current` undefined for the first one). */
  protected abstract merge(current: F | undefined, update: F): F;
  /** The KV value of all facts; `updatedAt` is the newest fact time (epoch ms). */
  protected abstract render(facts: F[], updatedAt: number): unknown;

  /** Applies updates for `key` (every update of one object must name the same key). */
  async apply(key: string, updates: Update<F>[]): Promise<ApplyResult> {
    const storage = this.ctx.storage;
    const meta = (await storage.get<Meta>("meta")) ?? {
      key,
      watermark: 0,
      version: 0,
      written: -1,
      writtenAt: 0,
      failures: 0,
    };
    if (meta.key !== key) throw new Error(`fact aggregator for ${meta.key} was sent updates for ${key}`);
    let applied = 0;
    const duplicateIds: string[] = [];
    for (const u of updates) {
      const seen = `e:${u.eventId}`;
      if ((await storage.get(seen)) !== undefined) {
        duplicateIds.push(u.eventId);
        continue;
      }
      const factKey = `f:${u.factId}`;
      const next = this.merge(await storage.get<F>(factKey), u.fact);
      await storage.put({ [seen]: u.time, [factKey]: next });
      meta.watermark = Math.max(meta.watermark, u.time);
      applied++;
    }
    if (applied > 0) {
      meta.version++;
      await storage.put("meta", meta);
      await this.schedule(meta);
    }
    return { applied, duplicates: duplicateIds.length, duplicateIds };
  }

  /** Writes the value when it changed since the last write; reschedules itself on failure. */
  override async alarm(): Promise<void> {
    const storage = this.ctx.storage;
    const meta = await storage.get<Meta>("meta");
    if (!meta || meta.written === meta.version) return;
    const version = meta.version;
    const facts = [...(await storage.list<F>({ prefix: "f:" })).values()];
    const value = JSON.stringify(this.render(facts, meta.watermark));
    try {
      await this.store().put(meta.key, value);
    } catch {
      // Updates applied while the write was in flight are in storage; re-read before saving.
      const now = (await storage.get<Meta>("meta")) ?? meta;
      now.failures++;
      await storage.put("meta", now);
      await storage.setAlarm(Date.now() + Math.min(60_000, this.minWriteIntervalMs * 2 ** now.failures));
      return;
    }
    const now = (await storage.get<Meta>("meta")) ?? meta;
    now.written = version;
    now.writtenAt = Date.now();
    now.failures = 0;
    await storage.put("meta", now);
    if (now.version !== version) await this.schedule(now);
  }

  /** What the object holds (for tests and operators). */
  async state(): Promise<AggregatorState> {
    const meta = await this.ctx.storage.get<Meta>("meta");
    const facts = (await this.ctx.storage.list({ prefix: "f:" })).size;
    return {
      ...(meta ? { key: meta.key } : {}),
      version: meta?.version ?? 0,
      written: meta?.written ?? -1,
      failures: meta?.failures ?? 0,
      facts,
    };
  }

  /** An alarm at the earliest time a write is allowed, unless one is already set. */
  private async schedule(meta: Meta): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) !== null) return;
    await this.ctx.storage.setAlarm(Math.max(Date.now(), meta.writtenAt + this.minWriteIntervalMs));
  }
}
