/**
 * The options of {@linkcode createManagementClient}, resolved once: the base URL (credentials in
 * it are taken out), default credentials, the CA to trust and the timeout. Lower layers get
 * {@linkcode ResolvedManagementOptions} and apply no defaults of their own.
 *
 * @module
 */

/** A login and password (HTTP basic auth, the same accounts as TCP logins). */
export interface ManagementCredentials {
  /** Login name. */
  readonly username: string;
  /** Password. */
  readonly password: string;
}

/** Options of the management client. */
export interface ManagementOptions {
  /**
   * The server's HTTP address, `http://host:2113` or `https://host:2113`; `user:password@` in it
   * become the default credentials. Required.
   */
  readonly url: string | URL;
  /** Default credentials for every call (a call's own win). Default: none (anonymous). */
  readonly credentials?: ManagementCredentials;
  /** PEM CA certificates to trust for `https` (e.g. a dev CA). Default: the system store. */
  readonly caCerts?: readonly string[];
  /**
   * Path(s) of PEM CA files to trust, read once at creation (as `connect()`'s `tls.caFile`).
   * Default: none.
   */
  readonly caFile?: string | readonly string[];
  /** Milliseconds before a request is abandoned. Default 10 000. */
  readonly timeoutMs?: number;
}

/** {@linkcode ManagementOptions} with every default applied. */
export interface ResolvedManagementOptions {
  /** `scheme://host:port`, no trailing slash, no credentials. */
  readonly baseUrl: string;
  /** Default credentials, if any. */
  readonly credentials: ManagementCredentials | undefined;
  /** CA certificates to trust (empty: the system store). */
  readonly caCerts: readonly string[];
  /** Request timeout in milliseconds. */
  readonly timeoutMs: number;
}

/**
 * Resolves the options.
 *
 * @throws {TypeError} for a URL that is not `http(s)://`, or a bad timeout
 */
export async function resolveManagementOptions(
  options: ManagementOptions,
): Promise<ResolvedManagementOptions> {
  let url: URL;
  try {
    url = new URL(String(options.url));
  } catch {
    throw new TypeError(`Invalid management URL "${options.url}": expected http://host:port`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Invalid management URL "${url.protocol}//${url.host}": expected http:// or https://`,
    );
  }
  const fromUrl = url.username !== ""
    ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
    : undefined;
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`Invalid timeoutMs ${timeoutMs}: expected a positive number`);
  }
  const caCerts = [...(options.caCerts ?? [])];
  const files = options.caFile === undefined
    ? []
    : typeof options.caFile === "string"
    ? [options.caFile]
    : [...options.caFile];
  for (const file of files) caCerts.push(await Deno.readTextFile(file));
  const path = url.pathname.replace(/\/+$/, "");
  return {
    baseUrl: `${url.protocol}//${url.host}${path}`,
    credentials: options.credentials ?? fromUrl,
    caCerts,
    timeoutMs,
  };
}
