/**
 * HTTP basic authentication against the store's users: no `Authorization` header runs the
 * request anonymously (or as the system account on an insecure node); wrong credentials or a
 * disabled account answer 401 whatever the ACLs, as the real server's authentication middleware.
 *
 * @module
 */

import { ANONYMOUS, type Authorizer, type Principal, SYSTEM } from "../auth.ts";

/** The principal of a request, or null when it must be refused with 401. */
export function principalOf(request: Request, auth: Authorizer): Principal | null {
  const header = request.headers.get("authorization");
  if (header === null) return auth.insecure ? SYSTEM : ANONYMOUS;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0)),
    );
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return auth.authenticate({
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  });
}
