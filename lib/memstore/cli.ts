/**
 * The memstore as a dev server: `deno task server`, or without a clone
 * `deno run -A jsr:@photonpump/client/server`. Runs an in-memory EventStore with its TCP port and
 * its HTTP API (users, streams, persistent subscriptions, the stream browser at
 * `/web/index.html`) until SIGINT or SIGTERM.
 *
 * ```text
 * deno task server [--host 127.0.0.1] [--port 1113] [--http-port 2113]
 *                  [--user login:password[:group,group]]... [--tls-cert F --tls-key F]
 *                  [--insecure] [--max-memory SIZE] [--log-level info|debug] [--help]
 * ```
 *
 * A bad flag prints what was wrong and exits with status 2; `--help` lists every flag with its
 * default.
 *
 * @example
 * ```sh
 * deno run -A jsr:@photonpump/client/server --user app:secret:writers --http-port 2113
 * ```
 *
 * @module
 */

import type { UserAccount } from "./auth.ts";
import { parseByteSize } from "./memory_budget.ts";
import { startMemoryStore } from "./memory_store.ts";

/** How much the server logs: `info` (start, stop, connections) or `debug` (plus every HTTP request). */
export type LogLevel = "info" | "debug";

/** Parsed command-line flags. */
export interface CliFlags {
  /** Interface to bind (TCP and HTTP). Default `127.0.0.1`. */
  host: string;
  /** TCP port; 0 picks a free one. Default 1113. */
  port: number;
  /** HTTP port; 0 picks a free one. Default 2113. */
  httpPort: number;
  /** Extra users (`--user`, repeatable). */
  users: UserAccount[];
  /** Path of a PEM certificate (TLS and HTTPS when given with `tlsKey`). */
  tlsCert?: string;
  /** Path of a PEM private key. */
  tlsKey?: string;
  /** 20.x `--insecure`: any credentials pass and nothing is denied. */
  insecure: boolean;
  /** `--max-memory`: the memory budget in bytes; absent = the store's default. */
  maxMemory?: number;
  /** What is logged. Default `info`. */
  logLevel: LogLevel;
  /** `--help`: print the usage and exit. */
  help: boolean;
}

/**
 * A command line the server cannot run: the CLI prints the message and exits with status 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CliUsageError, parseFlags } from "@photonpump/client/server";
 *
 * assert.throws(
 *   () => parseFlags(["--port", "99999"]),
 *   new CliUsageError('Invalid --port "99999": expected a port from 0 to 65535'),
 * );
 * ```
 */
export class CliUsageError extends Error {
  /** `message` is printed as is, so it names the flag and the bad value. */
  constructor(message: string) {
    super(message);
    this.name = "CliUsageError";
  }
}

/**
 * The text `--help` prints: every flag with its default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runServer, USAGE } from "@photonpump/client/server";
 *
 * const out: string[] = [];
 * const status = await runServer(["--help"], {
 *   out: (line) => out.push(line),
 *   err: (line) => out.push(line),
 *   stopped: () => new Promise(() => {}), // never called for --help
 * });
 * assert.equal(status, 0);
 * assert.deepEqual(out, [USAGE]);
 * ```
 */
export const USAGE: string = `Usage: deno task server [flags]
       deno run -A jsr:@photonpump/client/server [flags]

Runs an in-memory EventStore (photonpump memstore): the TCP client protocol and the HTTP API
(users, streams, persistent subscriptions, and the stream browser at /web/index.html).

Flags:
  --host HOST                       interface to bind, TCP and HTTP (default: 127.0.0.1)
  --port PORT                       TCP port, 0 for a free one (default: 1113)
  --http-port PORT                  HTTP port, 0 for a free one (default: 2113)
  --user LOGIN:PASSWORD[:G1,G2]     add a user in groups G1, G2 (repeatable; default: none
                                    besides admin:changeit in $admins and ops:changeit in $ops;
                                    --user admin:NEW:$admins changes admin's password)
  --tls-cert FILE                   PEM certificate: TCP speaks TLS and HTTP speaks HTTPS
                                    (default: none; needs --tls-key)
  --tls-key FILE                    PEM private key of --tls-cert (default: none)
  --insecure                        accept any credentials and deny nothing (default: off)
  --max-memory SIZE                 memory budget, bytes or with K, M, G (powers of 1024);
                                    past it writes are refused, reads and deletes go on
                                    (default: a quarter of RAM, at most 4G)
  --log-level info|debug            info: start, stop and connections; debug: also every
                                    HTTP request (default: info)
  --help                            print this help and exit
`;

function portOf(flag: string, text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliUsageError(`Invalid ${flag} "${text}": expected a port from 0 to 65535`);
  }
  return port;
}

/**
 * Parses `--user login:password[:group,group]`.
 *
 * @throws {CliUsageError} for an empty login or password, an empty group or extra colons
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseUser } from "@photonpump/client/server";
 *
 * assert.deepEqual(parseUser("app:secret:writers, readers"), {
 *   username: "app",
 *   password: "secret",
 *   groups: ["writers", "readers"],
 * });
 * assert.throws(() => parseUser("app"), /expected login:password\[:group,group\]/);
 * ```
 */
export function parseUser(text: string): UserAccount {
  const parts = text.split(":");
  const expected = "expected login:password[:group,group]";
  if (parts.length < 2 || parts.length > 3) {
    throw new CliUsageError(`Invalid --user "${text}": ${expected}`);
  }
  const [username, password, groupList] = parts;
  if (username === "") throw new CliUsageError(`Invalid --user "${text}": the login is empty`);
  if (password === "") throw new CliUsageError(`Invalid --user "${text}": the password is empty`);
  const groups = groupList === undefined ? [] : groupList.split(",");
  if (groups.some((g) => g.trim() === "")) {
    throw new CliUsageError(`Invalid --user "${text}": a group name is empty`);
  }
  return { username, password, groups: groups.map((g) => g.trim()) };
}

/**
 * Parses the flags (`--flag value` or `--flag=value`).
 *
 * @throws {CliUsageError} for an unknown flag, a missing or bad value, a repeated login or half
 *   a TLS pair
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "@photonpump/client/server";
 *
 * const flags = parseFlags(["--port=0", "--http-port", "0", "--user", "app:secret"]);
 * assert.equal(flags.port, 0);
 * assert.equal(flags.host, "127.0.0.1"); // the default
 * assert.deepEqual(flags.users, [{ username: "app", password: "secret", groups: [] }]);
 * ```
 */
export function parseFlags(args: readonly string[]): CliFlags {
  const flags: CliFlags = {
    host: "127.0.0.1",
    port: 1113,
    httpPort: 2113,
    users: [],
    insecure: false,
    logLevel: "info",
    help: false,
  };
  for (let i = 0; i < args.length; i++) {
    let arg = args[i];
    let inline: string | undefined;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    if (eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined || (v.startsWith("--") && v.length > 2)) {
        throw new CliUsageError(`Flag "${arg}" needs a value`);
      }
      return v;
    };
    const noValue = () => {
      if (inline !== undefined) throw new CliUsageError(`Flag "${arg}" takes no value`);
    };
    switch (arg) {
      case "--host": {
        const host = value();
        if (host.trim() === "") throw new CliUsageError(`Invalid --host "${host}": it is empty`);
        flags.host = host;
        break;
      }
      case "--port":
        flags.port = portOf("--port", value());
        break;
      case "--http-port":
        flags.httpPort = portOf("--http-port", value());
        break;
      case "--user": {
        const user = parseUser(value());
        if (flags.users.some((u) => u.username === user.username)) {
          throw new CliUsageError(`Invalid --user: login "${user.username}" is given twice`);
        }
        flags.users.push(user);
        break;
      }
      case "--tls-cert":
        flags.tlsCert = value();
        break;
      case "--tls-key":
        flags.tlsKey = value();
        break;
      case "--insecure":
        noValue();
        flags.insecure = true;
        break;
      case "--max-memory": {
        const text = value();
        const bytes = parseByteSize(text);
        if (bytes === null) {
          throw new CliUsageError(
            `Invalid --max-memory "${text}": expected a size in bytes or with K, M or G`,
          );
        }
        flags.maxMemory = bytes;
        break;
      }
      case "--log-level": {
        const level = value();
        if (level !== "info" && level !== "debug") {
          throw new CliUsageError(`Invalid --log-level "${level}": expected info or debug`);
        }
        flags.logLevel = level;
        break;
      }
      case "--help":
      case "-h":
        noValue();
        flags.help = true;
        break;
      default:
        throw new CliUsageError(`Unknown flag "${arg}"`);
    }
  }
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new CliUsageError("TLS needs both --tls-cert and --tls-key");
  }
  return flags;
}

/** Where {@linkcode runServer} writes and what stops it (the process's by default). */
export interface ServerIo {
  /** Standard output, one line per call. */
  readonly out: (line: string) => void;
  /** Standard error, one line per call. */
  readonly err: (line: string) => void;
  /** Resolves with the name of the signal that stops the server. */
  readonly stopped: () => Promise<string>;
}

function processSignals(): Promise<string> {
  const { promise, resolve } = Promise.withResolvers<string>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => {
    const handler = () => {
      for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
      resolve(signal);
    };
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  return promise;
}

const PROCESS_IO: ServerIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  stopped: processSignals,
};

/** The ports that may be taken: a port 0 (any free one) cannot be, so it is not named. */
function addressesInUse(flags: CliFlags): string {
  const ports = [
    flags.port !== 0 ? `TCP port ${flags.port}` : undefined,
    flags.httpPort !== 0 ? `HTTP port ${flags.httpPort}` : undefined,
  ].filter((p) => p !== undefined);
  return ports.length > 0 ? ports.join(" or ") : "an address";
}

/**
 * Runs the server for `args` until stopped; returns the exit status (0, 1 when it cannot
 * start, 2 for a bad command line).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { runServer } from "@photonpump/client/server";
 *
 * // Free ports, and a stop signal of our own instead of SIGINT/SIGTERM.
 * const { promise: stopped, resolve: stop } = Promise.withResolvers<string>();
 * const { promise: listening, resolve: onListening } = Promise.withResolvers<string>();
 * const status = runServer(["--port", "0", "--http-port", "0"], {
 *   out: (line) => {
 *     const url = line.match(/listening on (tcp:\/\/\S+),/)?.[1];
 *     if (url) onListening(url);
 *   },
 *   err: (line) => console.error(line),
 *   stopped: () => stopped,
 * });
 * const conn = await connect(await listening);
 * await conn.publishEvent("orders", "order_placed", { body: {} });
 * await conn.close();
 * stop("test done");
 * assert.equal(await status, 0);
 * ```
 */
export async function runServer(
  args: readonly string[],
  io: ServerIo = PROCESS_IO,
): Promise<number> {
  let flags: CliFlags;
  try {
    flags = parseFlags(args);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    io.err(`${error.message}\nRun with --help for the flags.`);
    return 2;
  }
  if (flags.help) {
    io.out(USAGE);
    return 0;
  }
  const log = (line: string) => io.out(`${new Date().toISOString()} ${line}`);
  let store;
  try {
    store = await startMemoryStore({
      hostname: flags.host,
      port: flags.port,
      httpPort: flags.httpPort,
      users: flags.users,
      insecure: flags.insecure,
      maxMemory: flags.maxMemory,
      tls: flags.tlsCert && flags.tlsKey
        ? {
          cert: await Deno.readTextFile(flags.tlsCert),
          key: await Deno.readTextFile(flags.tlsKey),
        }
        : undefined,
      logHttpRequests: flags.logLevel === "debug",
      log,
    });
  } catch (error) {
    io.err(
      error instanceof Deno.errors.AddrInUse
        ? `Cannot start the memstore: ${
          addressesInUse(flags)
        } on "${flags.host}" is already in use ` +
          `(is another EventStore running?); choose others with --port and --http-port`
        : `Cannot start the memstore: ${error instanceof Error ? error.message : error}`,
    );
    return 1;
  }
  const stopped = io.stopped();
  // Logged once the signal handlers are in place, so a supervisor may stop us right after it.
  log(
    `memstore listening on ${store.url}${flags.tlsCert ? " (TLS)" : ""}, HTTP on ${store.httpUrl}`,
  );
  log(`stream browser: ${store.httpUrl}/web/index.html`);
  const signal = await stopped;
  log(`${signal} received, stopping`);
  await store.close();
  log("stopped");
  return 0;
}

if (import.meta.main) {
  Deno.exit(await runServer(Deno.args));
}
