/**
 * A scripted server for client unit tests: the test reads the packages the client sends and
 * writes back whatever it wants, over an in-memory pipe.
 *
 * @module
 */

import { createPipe, type Duplex } from "../../../lib/wire/duplex.ts";
import { FrameDecoderStream } from "../../../lib/wire/frame_decoder_stream.ts";
import { encodePackage, type Package } from "../../../lib/wire/package_codec.ts";
import { TcpCommand } from "../../../lib/wire/tcp_command.ts";
import { type Client, openClient } from "../../../lib/client/client.ts";
import { type ConnectOptions, resolveSettings } from "../../../lib/client/settings.ts";
import type { Clock } from "../../../lib/clock.ts";

/** The server end of a pipe, package by package. */
export class FakePeer {
  readonly #duplex: Duplex;
  readonly #reader: ReadableStreamDefaultReader<Package>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;

  /** Wraps the server end. */
  constructor(duplex: Duplex) {
    this.#duplex = duplex;
    this.#reader = duplex.readable.pipeThrough(new FrameDecoderStream()).getReader();
    this.#writer = duplex.writable.getWriter();
  }

  /** The next package the client sent, skipping heartbeat responses unless asked for. */
  async receive(options: { heartbeats?: boolean } = {}): Promise<Package> {
    for (;;) {
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("The client closed the connection");
      if (!options.heartbeats && value.command === TcpCommand.HeartbeatResponse) continue;
      // Copy: the payload may be a view into a chunk the reader reuses.
      return { ...value, payload: value.payload.slice() };
    }
  }

  /** Resolves when the client side has closed the pipe. */
  async closed(): Promise<void> {
    try {
      while (!(await this.#reader.read()).done) { /* drain */ }
    } catch {
      // An aborted pipe also means closed.
    }
  }

  /** Sends a package to the client. */
  send(pkg: Package): Promise<void> {
    return this.sendBytes(encodePackage(pkg));
  }

  /** Sends raw bytes to the client. */
  sendBytes(bytes: Uint8Array): Promise<void> {
    return this.#writer.write(bytes);
  }

  /** Replies to `request` with `command` and `payload`. */
  reply(request: Package, command: number, payload: Uint8Array = new Uint8Array(0)): Promise<void> {
    return this.send({ command, correlationId: request.correlationId, payload });
  }

  /** Closes the server end. */
  close(): void {
    this.#reader.cancel().catch(() => {});
    this.#writer.abort().catch(() => {});
    this.#duplex.close();
  }
}

/**
 * Connects a client to a fake peer, answering the IdentifyClient handshake. Returns both and the
 * IdentifyClient package the client sent.
 */
export async function connectFake(
  options: ConnectOptions & { readonly clock?: Clock } = {},
): Promise<{ client: Client; peer: FakePeer; identify: Package }> {
  const { clock, ...connectOptions } = options;
  const [clientEnd, serverEnd] = createPipe();
  const peer = new FakePeer(serverEnd);
  const identified = (async () => {
    const identify = await peer.receive();
    await peer.reply(identify, TcpCommand.ClientIdentified);
    // Default credentials are checked at connect.
    if (connectOptions.credentials) {
      const authenticate = await peer.receive();
      await peer.reply(authenticate, TcpCommand.Authenticated);
    }
    return identify;
  })();
  // One scripted pipe: a single connection that does not reconnect (override per test).
  const client = await openClient(resolveSettings(
    {
      reconnection: false,
      ...connectOptions,
      transport: () => Promise.resolve(clientEnd),
    },
    undefined,
    { clock },
  ));
  return { client, peer, identify: await identified };
}
