/**
 * The management client's one seam to the network: `fetch` with the base URL, HTTP basic auth,
 * a timeout (an `AbortSignal`, combined with the caller's), and a `Deno.HttpClient` that trusts
 * the given CA certificates. Every non-2xx answer becomes a typed {@linkcode ManagementError}
 * whose message names what was attempted; the caller's stack is kept (the error is created in
 * the awaiting frame).
 *
 * @module
 */

import { errorClassOf, type ManagementError } from "./errors.ts";
import type { ManagementCredentials, ResolvedManagementOptions } from "./management_options.ts";

/** Per-call options of every management method. */
export interface ManagementCallOptions {
  /** Credentials for this call (instead of the client's). */
  readonly credentials?: ManagementCredentials;
  /** Aborts the call. */
  readonly signal?: AbortSignal;
}

/** One request. */
export interface TransportRequest extends ManagementCallOptions {
  /** HTTP method. */
  readonly method: string;
  /** Path below the base URL, already escaped, e.g. `/users/bob`. */
  readonly path: string;
  /** A JSON body. */
  readonly json?: unknown;
  /** What is being done, for messages: `Cannot ${action}: …`. */
  readonly action: string;
}

/** A successful answer. */
export interface TransportResponse {
  /** Status code (2xx). */
  readonly status: number;
  /** The parsed JSON body, or undefined when it was empty or not JSON. */
  readonly body: unknown;
}

function authorization(credentials: ManagementCredentials): string {
  const bytes = new TextEncoder().encode(`${credentials.username}:${credentials.password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Sends management requests. */
export class ManagementTransport {
  readonly #options: ResolvedManagementOptions;
  readonly #client: Deno.HttpClient | undefined;
  #closed = false;

  /** Creates the transport (and the TLS client when CA certificates are given). */
  constructor(options: ResolvedManagementOptions) {
    this.#options = options;
    this.#client = options.caCerts.length > 0
      ? Deno.createHttpClient({ caCerts: [...options.caCerts] })
      : undefined;
  }

  /** The base URL (no credentials). */
  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  /**
   * Sends `request`; resolves with a 2xx answer.
   *
   * @throws {ManagementError} (a subclass by status) for any other answer or no answer
   */
  async send(request: TransportRequest): Promise<TransportResponse> {
    if (this.#closed) throw new TypeError("The management client is closed");
    const url = `${this.#options.baseUrl}${request.path}`;
    const headers = new Headers({ accept: "application/json" });
    const credentials = request.credentials ?? this.#options.credentials;
    if (credentials) headers.set("authorization", authorization(credentials));
    if (request.json !== undefined) headers.set("content-type", "application/json");
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        body: request.json === undefined ? undefined : JSON.stringify(request.json),
        signal,
        ...(this.#client ? { client: this.#client } : {}),
      });
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      const why = timeout.aborted
        ? `no answer within ${this.#options.timeoutMs} ms`
        : `${error instanceof Error ? error.message : error}`;
      throw this.#error(request, url, 0, "", `Cannot ${request.action}: ${why}`, error);
    }
    const text = await response.text();
    if (response.status < 200 || response.status > 299) {
      const reason = text.trim();
      const phrase = REASONS[response.status] ?? response.statusText;
      const detail = reason !== "" && !reason.startsWith("{") ? `: ${reason}` : "";
      throw this.#error(
        request,
        url,
        response.status,
        reason,
        `Cannot ${request.action}: the server answered ${response.status} ${phrase}${detail}`,
      );
    }
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  }

  #error(
    request: TransportRequest,
    url: string,
    status: number,
    reason: string,
    message: string,
    cause?: unknown,
  ): ManagementError {
    const ErrorClass = errorClassOf(status);
    return new ErrorClass(message, { method: request.method, url, status, reason, cause });
  }

  /** Releases the TLS client. Closing twice is a no-op. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client?.close();
  }
}
