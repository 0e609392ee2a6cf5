/**
 * Responses of the memstore's HTTP API: plain-text statuses with a readable body (the real server
 * puts the same words in its reason phrase and sends an empty body), JSON, and the headers every
 * response carries (CORS as the real server sends them, `WWW-Authenticate` on 401).
 *
 * @module
 */

/** `application/vnd.eventstore.atom+json`: the Atom feed as JSON. */
export const ATOM_JSON = "application/vnd.eventstore.atom+json";
/** `application/vnd.eventstore.events+json`: an array of events to append. */
export const EVENTS_JSON = "application/vnd.eventstore.events+json";
/** `application/json`. */
export const JSON_TYPE = "application/json";

const CORS: Readonly<Record<string, string>> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, DELETE, GET, PUT, OPTIONS",
  "access-control-allow-headers":
    "Content-Type, X-Requested-With, X-PINGOTHER, Authorization, ES-LongPoll, ES-ExpectedVersion, ES-EventId, ES-EventType, ES-RequireMaster, ES-RequireLeader, ES-HardDelete, ES-ResolveLinkTos",
  "access-control-expose-headers": "Location, ES-Position, ES-CurrentVersion",
};

/** An HTTP failure a route throws; the API turns it into a text response. */
export class HttpError extends Error {
  /** The status code. */
  readonly status: number;
  /** Extra response headers. */
  readonly headers: Readonly<Record<string, string>>;

  /** Creates the error; `message` becomes the response body. */
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
  }
}

/** Adds the headers every response carries. */
export function withCommonHeaders(response: Response, request: Request): Response {
  for (const [name, value] of Object.entries(CORS)) response.headers.set(name, value);
  // The real server challenges every 401. Pages that send X-Requested-With (the stream browser)
  // get no challenge, so the browser does not pop its own login dialog over theirs.
  if (response.status === 401 && !request.headers.has("x-requested-with")) {
    response.headers.set("www-authenticate", 'Basic realm="ES"');
  }
  return response;
}

/** A `text/plain` response. */
export function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 || status === 304 ? null : body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** A JSON response (pretty-printed like the real server's, two spaces). */
export function json(
  status: number,
  body: unknown,
  contentType: string = JSON_TYPE,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { "content-type": `${contentType}; charset=utf-8`, ...headers },
  });
}

/** The 401 of a request whose principal may not do what it asked. */
export function unauthorized(): HttpError {
  return new HttpError(401, "Unauthorized");
}
