/**
 * The Worker isolate's V8 heap, read through workerd's inspector (Chrome DevTools Protocol, the
 * socket Miniflare opens with `inspectorPort`). `heapAfterGc` takes a heap snapshot, which makes
 * V8 collect garbage first, then reads the heap's used size: what the isolate really retains.
 * Needs a global WebSocket (Node 22, or Node 20 with --experimental-websocket).
 */
export class Inspector {
  private next = 0;
  private readonly pending = new Map<number, (result: Record<string, unknown>) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event: MessageEvent) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> };
      if (message.id === undefined) return; // events (e.g. heap snapshot chunks) are not needed
      this.pending.get(message.id)?.(message.result ?? {});
      this.pending.delete(message.id);
    });
  }

  static async connect(inspectorUrl: string, worker: string): Promise<Inspector> {
    if (typeof WebSocket === "undefined")
      throw new Error("no global WebSocket: run Node 20 with --experimental-websocket (npm run soak does)");
    const socket = new WebSocket(new URL(`/${worker}`, inspectorUrl).href);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve());
      socket.addEventListener("error", () =>
        reject(new Error(`inspector: cannot connect to ${worker} at ${inspectorUrl}`)),
      );
    });
    return new Inspector(socket);
  }

  call(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: ${method} timed out`)), timeoutMs);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Bytes in use on the V8 heap now, garbage included. */
  async heapUsed(): Promise<number> {
    return Number((await this.call("Runtime.getHeapUsage")).usedSize);
  }

  /** Bytes the isolate retains: used heap right after a full garbage collection. */
  async heapAfterGc(): Promise<number> {
    await this.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    return this.heapUsed();
  }

  close(): void {
    this.socket.close();
  }
}
