/**
 * How a session moves bytes: over a socket it reads into a buffer it reuses and writes straight
 * to the connection (no web-stream hops, no 64 KiB buffer allocated per read); over any other
 * {@linkcode Duplex} (an in-memory pipe) it uses the streams.
 *
 * @module
 */

import type { Duplex } from "../wire/duplex.ts";
import type { ChunkSink } from "./send_queue.ts";

/** Size of a socket read buffer, as the web stream of a Deno connection allocates per read. */
const READ_BUFFER_SIZE = 64 * 1024;

/**
 * A {@linkcode Duplex} over an accepted TCP or TLS connection that also lends the connection,
 * so a session can bypass the streams. The streams are only created if asked for.
 */
export class SocketDuplex implements Duplex {
  /** The connection. */
  readonly conn: Deno.Conn;
  #closed = false;

  /** Wraps `conn`. */
  constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  /** The connection's readable stream (created by Deno on first access). */
  get readable(): ReadableStream<Uint8Array> {
    return this.conn.readable;
  }

  /** The connection's writable stream (created by Deno on first access). */
  get writable(): WritableStream<Uint8Array> {
    return this.conn.writable;
  }

  /** Closes the connection; safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // The streams may already have closed the resource.
    }
  }
}

/** The bytes a session receives. */
export interface ChunkSource {
  /**
   * The next chunk, or null once the peer ended the stream. `reuse` says the previous chunk is
   * no longer referenced, so its buffer may be read into again.
   */
  read(reuse: boolean): Promise<Uint8Array | null>;
  /** Stops reading: a pending read resolves null or rejects. */
  cancel(): void;
}

/** The ends a session reads from and writes to, and how it lets go of them. */
export interface SessionTransport {
  /** Incoming bytes. */
  readonly source: ChunkSource;
  /** Outgoing bytes; a failed write rejects (and calls `onWriteFailed`). */
  readonly sink: ChunkSink;
  /** Releases the write side: `abort` drops what the transport still buffers. */
  release(abort: boolean, reason: string): void;
}

/**
 * Opens the transport of `duplex`; `onWriteFailed` runs when the peer can no longer be written
 * to (a failed write, or the writable stream erroring).
 */
export function openTransport(duplex: Duplex, onWriteFailed: () => void): SessionTransport {
  if (duplex instanceof SocketDuplex) return socketTransport(duplex.conn, onWriteFailed);
  const reader = duplex.readable.getReader();
  const writer = duplex.writable.getWriter();
  writer.closed.catch(onWriteFailed);
  return {
    source: {
      async read(): Promise<Uint8Array | null> {
        const { value, done } = await reader.read();
        return done ? null : value;
      },
      cancel(): void {
        try {
          reader.cancel().catch(() => {});
        } catch {
          // A transform stream whose other side already failed can throw here (a Deno quirk);
          // the duplex is closed right after anyway.
        }
      },
    },
    sink: writer,
    release(abort: boolean, reason: string): void {
      if (abort) writer.abort(new Error(reason)).catch(() => {});
      else writer.close().catch(() => {});
    },
  };
}

function socketTransport(conn: Deno.Conn, onWriteFailed: () => void): SessionTransport {
  let buffer: Uint8Array | null = null;
  return {
    source: {
      async read(reuse: boolean): Promise<Uint8Array | null> {
        if (!reuse || buffer === null) buffer = new Uint8Array(READ_BUFFER_SIZE);
        const count = await conn.read(buffer);
        return count === null ? null : buffer.subarray(0, count);
      },
      cancel(): void {
        // Closing the connection (the session does) ends a pending read.
      },
    },
    sink: {
      async write(chunk: Uint8Array): Promise<void> {
        try {
          let offset = 0;
          while (offset < chunk.length) offset += await conn.write(chunk.subarray(offset));
        } catch (error) {
          onWriteFailed();
          throw error;
        }
      },
    },
    release(): void {
      // The session closes the connection itself.
    },
  };
}
