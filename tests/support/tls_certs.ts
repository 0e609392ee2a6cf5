/**
 * Throwaway TLS material for tests: a fresh CA and a server certificate for `localhost` and
 * `127.0.0.1`, made with the system `openssl` in a temporary directory that is removed before
 * returning. Needs `--allow-run=openssl` and write access to the temp dir.
 *
 * @example
 * ```ts ignore
 * import { generateTlsCerts } from "./tls_certs.ts";
 * const { caCert, cert, key } = await generateTlsCerts();
 * using listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key });
 * const conn = await Deno.connectTls({ hostname: "localhost", port: listener.addr.port, caCerts: [caCert] });
 * ```
 *
 * @module
 */

/** PEM-encoded TLS material. */
export interface TlsCerts {
  /** The CA certificate clients should trust. */
  readonly caCert: string;
  /** The server certificate, signed by the CA. */
  readonly cert: string;
  /** The server's private key (PKCS#8). */
  readonly key: string;
}

/** Options of {@linkcode generateTlsCerts}. */
export interface TlsCertsOptions {
  /** Names the server certificate is valid for. Default `["localhost", "127.0.0.1"]`. */
  hosts?: readonly string[];
  /** The openssl binary. Default `"openssl"` (from `PATH`). */
  openssl?: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

async function run(openssl: string, args: string[], cwd: string): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(openssl, { args, cwd, stdout: "piped", stderr: "piped" })
      .output();
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot generate test certificates: "${openssl}" was not found; install openssl ` +
          `(e.g. apt-get install openssl; .ci/run does this)`,
        { cause },
      );
    }
    throw cause;
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`openssl ${args[0]} failed with exit code ${output.code}: ${stderr}`);
  }
}

/**
 * Generates a CA and a server certificate (P-256 keys, valid for two days).
 *
 * @throws {Error} naming openssl when it is missing or fails
 *
 * @example
 * ```ts ignore
 * import { generateTlsCerts } from "./tls_certs.ts";
 * const { caCert } = await generateTlsCerts({ hosts: ["localhost"] });
 * ```
 */
export async function generateTlsCerts(options: TlsCertsOptions = {}): Promise<TlsCerts> {
  const hosts = options.hosts ?? ["localhost", "127.0.0.1"];
  if (hosts.length === 0) throw new TypeError("Invalid hosts: give at least one name");
  const openssl = options.openssl ?? "openssl";
  const dir = await Deno.makeTempDir({ prefix: "photonpump-tls-" });
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await run(openssl, [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "2",
      "-subj",
      "/CN=photonpump throwaway test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ], dir);
    await run(openssl, [
      "req",
      ...ec,
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      `/CN=${hosts[0]}`,
    ], dir);
    const altNames = hosts.map((h) => (IPV4.test(h) || h.includes(":") ? `IP:${h}` : `DNS:${h}`));
    await Deno.writeTextFile(
      `${dir}/server.ext`,
      [
        `subjectAltName=${altNames.join(",")}`,
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth",
        "",
      ].join("\n"),
    );
    await run(openssl, [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      "2",
      "-extfile",
      "server.ext",
    ], dir);
    const [caCert, cert, key] = await Promise.all(
      ["ca.crt", "server.crt", "server.key"].map((f) => Deno.readTextFile(`${dir}/${f}`)),
    );
    return { caCert, cert, key };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
