/**
 * The byte-stream seam between the protocol layers and the network: everything above speaks
 * {@linkcode Duplex}, so a client and a memstore can be joined by a loopback socket or by an
 * in-memory pipe.
 *
 * @module
 */

/** A bidirectional byte stream (a socket, a TLS socket, or one end of an in-memory pipe). */
export interface Duplex {
  /** Bytes from the peer. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
  /** Closes both directions at once; safe to call more than once. */
  close(): void;
}

/** Options of {@linkcode createPipe}. */
export interface PipeOptions {
  /** Bytes each direction buffers before writes wait for the reader. Default 64 KiB. */
  highWaterMark?: number;
}

/**
 * Creates two connected in-memory ends: what one writes, the other reads. Each direction is
 * bounded, so backpressure behaves as on a socket. Closing either end ends both directions.
 *
 * @example
 * ```ts
 * import { createPipe } from "./duplex.ts";
 * const [a, b] = createPipe();
 * const writer = a.writable.getWriter();
 * await writer.write(new Uint8Array([1, 2, 3]));
 * const { value } = await b.readable.getReader().read(); // Uint8Array [1, 2, 3]
 * ```
 */
export function createPipe(options: PipeOptions = {}): [Duplex, Duplex] {
  const highWaterMark = options.highWaterMark ?? 64 * 1024;
  const controllers: TransformStreamDefaultController<Uint8Array>[] = [];
  const direction = () => {
    const strategy = new ByteLengthQueuingStrategy({ highWaterMark });
    return new TransformStream<Uint8Array, Uint8Array>(
      { start: (controller) => void controllers.push(controller) },
      strategy,
      strategy,
    );
  };
  const aToB = direction();
  const bToA = direction();
  let closed = false;
  // Terminating through the controllers works even while both ends are locked by a reader and a
  // writer (abort()/cancel() on a locked stream would only reject): readers see the end of the
  // stream, pending and later writes fail.
  const closeBoth = () => {
    if (closed) return;
    closed = true;
    for (const controller of controllers) controller.terminate();
  };
  return [
    { readable: bToA.readable, writable: aToB.writable, close: closeBoth },
    { readable: aToB.readable, writable: bToA.writable, close: closeBoth },
  ];
}
