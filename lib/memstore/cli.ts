/**
 * `deno task server`: runs a memstore on a TCP port until SIGINT/SIGTERM.
 *
 * Flags: `--port 1113 --host 127.0.0.1 --tls-cert file --tls-key file --insecure`.
 *
 * @module
 */

import { startMemoryStore } from "./memory_store.ts";

/** Parsed command-line flags. */
export interface CliFlags {
  /** Port to listen on. */
  port: number;
  /** Interface to bind. */
  host: string;
  /** Path of a PEM certificate (TLS when given with `tlsKey`). */
  tlsCert?: string;
  /** Path of a PEM private key. */
  tlsKey?: string;
  /** Passthrough authentication. */
  insecure: boolean;
}

/**
 * Parses the flags.
 *
 * @throws {TypeError} for an unknown flag, a missing value or a bad port
 */
export function parseFlags(args: readonly string[]): CliFlags {
  const flags: CliFlags = { port: 1113, host: "127.0.0.1", insecure: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new TypeError(`Flag "${arg}" needs a value`);
      return v;
    };
    switch (arg) {
      case "--port": {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new TypeError(`Invalid port "${args[i]}": expected 0-65535`);
        }
        flags.port = port;
        break;
      }
      case "--host":
        flags.host = value();
        break;
      case "--tls-cert":
        flags.tlsCert = value();
        break;
      case "--tls-key":
        flags.tlsKey = value();
        break;
      case "--insecure":
        flags.insecure = true;
        break;
      default:
        throw new TypeError(`Unknown flag "${arg}"`);
    }
  }
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new TypeError("TLS needs both --tls-cert and --tls-key");
  }
  return flags;
}

async function main(): Promise<void> {
  const flags = parseFlags(Deno.args);
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const store = await startMemoryStore({
    hostname: flags.host,
    port: flags.port,
    insecure: flags.insecure,
    tls: flags.tlsCert && flags.tlsKey
      ? { cert: await Deno.readTextFile(flags.tlsCert), key: await Deno.readTextFile(flags.tlsKey) }
      : undefined,
    log,
  });
  const { promise, resolve } = Promise.withResolvers<string>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => {
    const handler = () => resolve(signal);
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  // Logged once the signal handlers are in place, so a supervisor may stop us right after it.
  log(`memstore listening on ${store.url}${flags.tlsCert ? " (TLS)" : ""}`);
  const signal = await promise;
  for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  log(`${signal} received, stopping`);
  await store.close();
  log("stopped");
}

if (import.meta.main) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  });
}
