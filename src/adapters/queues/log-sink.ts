/**
 * The prediction log's producer: a Cloudflare Queue (binding LOG_QUEUE). One request's records go
 * out in as few `sendBatch` calls as Queues' limits allow (100 messages and 256 KB per call,
 * 128 KB per message), as JSON messages. A record over the per-message limit cannot be sent: it
 * is left out and reported, like a failed call, in the error this throws after sending the rest.
 */
import type { PredictionLogSink, QueueRecord } from "../../core/monitoring/record.ts";

/** Queues' documented limits, with room for the per-message envelope. */
export const LIMITS = { messages: 100, batchBytes: 256_000, messageBytes: 127_000 } as const;

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * The UTF-8 length of JSON text (what TextEncoder would write), counted without writing it: a
 * batch's records are thousands of texts. Exact for well-formed text, which JSON.stringify always
 * writes (a lone surrogate comes out escaped), so a surrogate is one half of a 4-byte pair.
 */
export function utf8Length(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3;
  }
  return bytes;
}

export interface QueueLike {
  sendBatch(messages: Iterable<MessageSendRequest<QueueRecord>>): Promise<unknown>;
}

/** Splits JSON texts into batches within the limits; indexes of texts too large for any batch are returned apart. */
export function chunk(sizes: readonly number[]): { batches: number[][]; oversize: number[] } {
  const batches: number[][] = [];
  const oversize: number[] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((size, i) => {
    if (size > LIMITS.messageBytes) {
      oversize.push(i);
      return;
    }
    if (current.length === LIMITS.messages || bytes + size > LIMITS.batchBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  });
  if (current.length > 0) batches.push(current);
  return { batches, oversize };
}

export function queueLogSink(queue: QueueLike): PredictionLogSink {
  return {
    async send(records) {
      const sizes = records.map((r) => utf8Length(JSON.stringify(r)));
      const { batches, oversize } = chunk(sizes);
      const failures: string[] = [];
      for (const batch of batches) {
        try {
          await queue.sendBatch(batch.map((i) => ({ body: records[i]!, contentType: "json" as const })));
        } catch (err) {
          failures.push(`${batch.length} record(s): ${String(err)}`);
        }
      }
      if (oversize.length > 0)
        failures.push(`${oversize.length} record(s) over ${LIMITS.messageBytes} bytes (rows ${oversize.join(", ")})`);
      if (failures.length > 0) throw new Error(`prediction log: not sent: ${failures.join("; ")}`);
    },
  };
}
