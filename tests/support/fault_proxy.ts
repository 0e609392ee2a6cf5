/**
 * A loopback TCP proxy for fault-injection tests: it sits between a client and a server on
 * 127.0.0.1 and can drop connections, delay, cut the byte stream into tiny chunks, stall, corrupt
 * bytes and refuse new connections, in either direction.
 *
 * Settings apply per direction to every connection, present and future: `"toTarget"` is client to
 * server, `"toClient"` server to client, `"both"` (the default) both.
 *
 * @example
 * ```ts ignore
 * import { startFaultProxy } from "./fault_proxy.ts";
 * await using proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: 1113 } });
 * proxy.setChunking(1, "toClient"); // the client sees the server's bytes one at a time
 * const conn = await Deno.connect({ hostname: proxy.hostname, port: proxy.port });
 * // ...
 * proxy.dropAll(); // simulate a network failure
 * conn.close();
 * ```
 *
 * @module
 */

/** Which way bytes flow: client to server, server to client, or both. */
export type Direction = "toTarget" | "toClient" | "both";

/** Replaces a chunk of bytes (for {@linkcode FaultProxy.corruptNext}). */
export type Corruptor = (bytes: Uint8Array) => Uint8Array;

/** Options of {@linkcode startFaultProxy}. */
export interface FaultProxyOptions {
  /** The server the proxy forwards to. */
  target: { hostname: string; port: number };
}

/** Counters of one direction. */
export interface LaneStats {
  /** Bytes read from the sending side. */
  readonly bytesIn: number;
  /** Bytes written to the receiving side. */
  readonly bytesOut: number;
  /** Separate writes made to the receiving side. */
  readonly writes: number;
  /** Chunks waiting at a stall right now. */
  readonly held: number;
}

/** A running proxy. */
export interface FaultProxy extends AsyncDisposable {
  /** Address clients connect to (always 127.0.0.1). */
  readonly hostname: string;
  /** Port clients connect to. */
  readonly port: number;
  /** Connections currently open through the proxy. */
  readonly connectionCount: number;
  /** Connections accepted since the start (including refused ones). */
  readonly acceptedCount: number;
  /** Counters per direction. */
  stats(): { toTarget: LaneStats; toClient: LaneStats };
  /** Closes every open connection at once, both sides (new connections are still accepted). */
  dropAll(): void;
  /** While on, newly accepted connections are closed at once. */
  refuseNew(on: boolean): void;
  /** Waits `ms` before forwarding each chunk. 0 turns it off. */
  setDelay(ms: number, direction?: Direction): void;
  /** Forwards at most `maxChunkBytes` per write; 0 turns it off. */
  setChunking(maxChunkBytes: number, direction?: Direction): void;
  /** While on, bytes are read but held back (the sender sees TCP backpressure once buffers fill). */
  stall(on: boolean, direction?: Direction): void;
  /**
   * Resolves when a chunk is held at a stall in that direction (at once if one already is);
   * rejects if the proxy closes first.
   */
  whenHeld(direction?: Exclude<Direction, "both">): Promise<void>;
  /** Resolves once `count` connections have been accepted since the start; rejects on close. */
  whenAccepted(count: number): Promise<void>;
  /**
   * Corrupts what is forwarded next: a number inverts (XOR 0xff) that many next bytes; a function
   * replaces the next chunk read with its result.
   */
  corruptNext(what: number | Corruptor, direction?: Direction): void;
  /** Stops listening and closes every connection; calling it again is a no-op. */
  close(): Promise<void>;
}

class Lane {
  delayMs = 0;
  chunk = 0;
  stalled = false;
  corruptBytes = 0;
  corruptor: Corruptor | undefined;
  bytesIn = 0;
  bytesOut = 0;
  writes = 0;
  held = 0;
  readonly #resumers = new Set<() => void>();
  readonly #heldWaiters = new Set<{ resolve: () => void; reject: (e: Error) => void }>();

  resume(): void {
    for (const r of [...this.#resumers]) r();
  }

  whenHeld(): Promise<void> {
    if (this.held > 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#heldWaiters.add({ resolve, reject }));
  }

  /** Rejects everyone waiting in {@linkcode Lane.whenHeld}. */
  cancel(reason: Error): void {
    for (const w of this.#heldWaiters) w.reject(reason);
    this.#heldWaiters.clear();
  }

  corrupt(data: Uint8Array): Uint8Array {
    if (this.corruptor) {
      const f = this.corruptor;
      this.corruptor = undefined;
      data = f(data);
    }
    for (let i = 0; i < data.length && this.corruptBytes > 0; i++, this.corruptBytes--) {
      data[i] ^= 0xff;
    }
    return data;
  }

  /** Waits while the lane is stalled; rejects if `signal` aborts. */
  async gate(signal: AbortSignal): Promise<void> {
    while (this.stalled) {
      signal.throwIfAborted();
      this.held++;
      for (const w of [...this.#heldWaiters]) w.resolve();
      this.#heldWaiters.clear();
      try {
        await new Promise<void>((resolve, reject) => {
          const onAbort = (): void => {
            this.#resumers.delete(resume);
            reject(signal.reason);
          };
          const resume = (): void => {
            this.#resumers.delete(resume);
            signal.removeEventListener("abort", onAbort);
            resolve();
          };
          this.#resumers.add(resume);
          signal.addEventListener("abort", onAbort, { once: true });
        });
      } finally {
        this.held--;
      }
    }
  }

  stats(): LaneStats {
    return { bytesIn: this.bytesIn, bytesOut: this.bytesOut, writes: this.writes, held: this.held };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

class Pair {
  readonly #controller = new AbortController();
  #closed = false;
  constructor(readonly client: Deno.Conn, readonly server: Deno.Conn) {}

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller.abort(new Error("Fault proxy connection closed"));
    for (const conn of [this.client, this.server]) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  }
}

async function pump(
  src: Deno.Conn,
  dst: Deno.Conn,
  lane: Lane,
  signal: AbortSignal,
): Promise<void> {
  const buffer = new Uint8Array(16 * 1024);
  while (true) {
    const n = await src.read(buffer);
    if (n === null) break;
    lane.bytesIn += n;
    const data = lane.corrupt(buffer.slice(0, n));
    const size = lane.chunk > 0 ? lane.chunk : Math.max(data.length, 1);
    for (let offset = 0; offset < data.length; offset += size) {
      if (lane.delayMs > 0) await sleep(lane.delayMs, signal);
      await lane.gate(signal);
      signal.throwIfAborted();
      const piece = data.subarray(offset, offset + size);
      await writeAll(dst, piece);
      lane.bytesOut += piece.length;
      lane.writes++;
    }
  }
  // Pass the sender's end of stream on (half close), so request/response peers see EOF.
  await dst.closeWrite();
}

function checkNonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`Invalid ${name} ${value}: expected an integer >= 0`);
  }
}

/**
 * Starts a proxy on 127.0.0.1 (a free port) forwarding to `target`.
 *
 * @example
 * ```ts ignore
 * import { startFaultProxy } from "./fault_proxy.ts";
 * await using proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: 1113 } });
 * proxy.stall(true, "toClient");
 * ```
 */
export function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  const lanes = { toTarget: new Lane(), toClient: new Lane() };
  const pairs = new Set<Pair>();
  const handlers = new Set<Promise<void>>();
  const acceptWaiters = new Set<
    { count: number; resolve: () => void; reject: (e: Error) => void }
  >();
  let accepted = 0;
  let refusing = false;
  let closing: Promise<void> | undefined;

  const lanesOf = (direction: Direction = "both"): Lane[] =>
    direction === "both" ? [lanes.toTarget, lanes.toClient] : [lanes[direction]];

  async function handle(client: Deno.Conn): Promise<void> {
    if (refusing || closing) {
      client.close();
      return;
    }
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ ...options.target, transport: "tcp" });
    } catch {
      // The target is down: the client sees its connection closed.
      client.close();
      return;
    }
    const pair = new Pair(client, server);
    if (closing) {
      pair.close();
      return;
    }
    pairs.add(pair);
    const onError = (): void => pair.close();
    await Promise.allSettled([
      pump(client, server, lanes.toTarget, pair.signal).catch(onError),
      pump(server, client, lanes.toClient, pair.signal).catch(onError),
    ]);
    pair.close();
    pairs.delete(pair);
  }

  const acceptLoop = (async () => {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // The listener was closed.
      }
      accepted++;
      for (const w of [...acceptWaiters]) {
        if (accepted >= w.count) {
          acceptWaiters.delete(w);
          w.resolve();
        }
      }
      const handler = handle(conn);
      handlers.add(handler);
      handler.finally(() => handlers.delete(handler));
    }
  })();

  const addr = listener.addr as Deno.NetAddr;
  const proxy: FaultProxy = {
    hostname: addr.hostname,
    port: addr.port,
    get connectionCount() {
      return pairs.size;
    },
    get acceptedCount() {
      return accepted;
    },
    stats: () => ({ toTarget: lanes.toTarget.stats(), toClient: lanes.toClient.stats() }),
    dropAll() {
      for (const pair of [...pairs]) {
        pair.close();
        pairs.delete(pair);
      }
    },
    refuseNew(on) {
      refusing = on;
    },
    setDelay(ms, direction) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`Invalid delay ${ms}: expected milliseconds >= 0`);
      }
      for (const lane of lanesOf(direction)) lane.delayMs = ms;
    },
    setChunking(maxChunkBytes, direction) {
      checkNonNegativeInteger("chunk size", maxChunkBytes);
      for (const lane of lanesOf(direction)) lane.chunk = maxChunkBytes;
    },
    stall(on, direction) {
      for (const lane of lanesOf(direction)) {
        lane.stalled = on;
        if (!on) lane.resume();
      }
    },
    whenHeld(direction) {
      if (closing) return Promise.reject(new Error("Fault proxy is closed"));
      if (direction === undefined) {
        return Promise.race([lanes.toTarget.whenHeld(), lanes.toClient.whenHeld()]);
      }
      return lanes[direction].whenHeld();
    },
    whenAccepted(count) {
      if (accepted >= count) return Promise.resolve();
      if (closing) return Promise.reject(new Error("Fault proxy is closed"));
      return new Promise((resolve, reject) => acceptWaiters.add({ count, resolve, reject }));
    },
    corruptNext(what, direction) {
      for (const lane of lanesOf(direction)) {
        if (typeof what === "number") {
          checkNonNegativeInteger("byte count", what);
          lane.corruptBytes = what;
        } else {
          lane.corruptor = what;
        }
      }
    },
    close() {
      closing ??= (async () => {
        listener.close();
        await acceptLoop;
        const reason = new Error("Fault proxy closed before this happened");
        for (const w of acceptWaiters) w.reject(reason);
        acceptWaiters.clear();
        lanes.toTarget.cancel(reason);
        lanes.toClient.cancel(reason);
        proxy.dropAll();
        while (handlers.size > 0) await Promise.allSettled([...handlers]);
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return proxy.close();
    },
  };
  return Promise.resolve(proxy);
}
