/**
 * Stand-ins for the LOG_QUEUE producer binding (the real queue runs in the pools; these let a
 * test see exactly what one request sent): a recorder that keeps each message body as the
 * queue would deliver it (through JSON), and a queue whose every call fails.
 */
import type { QueueRecord } from "../../src/core/monitoring/record.ts";

export interface RecordingQueue {
  sent: QueueRecord[];
  calls: number;
  sendBatch(messages: Iterable<{ body: unknown; contentType?: string }>): Promise<void>;
}

export function recordingQueue(): RecordingQueue {
  const queue: RecordingQueue = {
    sent: [],
    calls: 0,
    async sendBatch(messages) {
      queue.calls++;
      for (const m of messages) queue.sent.push(JSON.parse(JSON.stringify(m.body)));
    },
  };
  return queue;
}

export function failingQueue(): { calls: number; sendBatch(): Promise<never>; send(): Promise<never> } {
  const queue = {
    calls: 0,
    sendBatch(): Promise<never> {
      queue.calls++;
      return Promise.reject(new Error("queue unavailable (test)"));
    },
    send(): Promise<never> {
      queue.calls++;
      return Promise.reject(new Error("queue unavailable (test)"));
    },
  };
  return queue;
}
