/**
 * `/users`: the real server's user management (`UsersController`) over the store's user
 * database, the same one TCP logins check, so an account created here logs in over TCP at once.
 * Policy as the server's: listing, creating, updating, deleting, enabling, disabling and resetting
 * passwords need `$admins`; reading an account needs `$admins` or being that user; changing a
 * password needs being that user and its current password. Bodies are JSON with the server's
 * PascalCase fields (read case-insensitively); replies are camelCase `{loginName, success,
 * error}` or `{data, success, error}`, with 201 and `Location` for a created user.
 *
 * @module
 */

import type { Principal, UserChangeResult, UserDetails } from "../auth.ts";
import { escapeStream } from "./atom_feed.ts";
import { readJson } from "./request_body.ts";
import { HttpError, json, unauthorized } from "./responses.ts";
import type { RouteContext } from "./route_context.ts";

const STATUS: Record<UserChangeResult, number> = {
  Success: 200,
  NotFound: 404,
  Conflict: 409,
  Unauthorized: 401,
};

function field(body: Record<string, unknown>, name: string): unknown {
  for (const key of Object.keys(body)) {
    if (key.toLowerCase() === name.toLowerCase()) return body[key];
  }
  return undefined;
}

async function jsonBody(context: RouteContext): Promise<Record<string, unknown>> {
  const type = (context.request.headers.get("content-type") ?? "").split(";")[0].trim()
    .toLowerCase();
  if (type !== "application/json") {
    await context.request.body?.cancel().catch(() => {});
    throw new HttpError(
      415,
      `Unsupported content type ${
        JSON.stringify(context.request.headers.get("content-type") ?? "")
      }: send application/json`,
    );
  }
  const body = await readJson(context.request, context.settings.maxBodyBytes);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(400, "Request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

function stringField(
  body: Record<string, unknown>,
  name: string,
  required: boolean,
): string | undefined {
  const value = field(body, name);
  if (value === undefined || value === null) {
    if (required) throw new HttpError(400, `Field ${name} is required`);
    return undefined;
  }
  if (typeof value !== "string") throw new HttpError(400, `Field ${name} must be a string`);
  if (required && value === "") throw new HttpError(400, `Field ${name} must not be empty`);
  return value;
}

function groupsField(body: Record<string, unknown>): string[] {
  const value = field(body, "Groups");
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((g) => typeof g !== "string")) {
    throw new HttpError(400, "Field Groups must be an array of strings");
  }
  return value as string[];
}

function userLinks(base: string, user: UserDetails): { href: string; rel: string }[] {
  const url = `${base}/users/${escapeStream(user.loginName)}`;
  return [
    { href: `${url}/command/reset-password`, rel: "reset-password" },
    { href: `${url}/command/change-password`, rel: "change-password" },
    { href: url, rel: "edit" },
    { href: url, rel: "delete" },
    user.disabled
      ? { href: `${url}/command/enable`, rel: "enable" }
      : { href: `${url}/command/disable`, rel: "disable" },
  ];
}

function formatUser(base: string, user: UserDetails): Record<string, unknown> {
  return {
    loginName: user.loginName,
    fullName: user.fullName,
    groups: user.groups,
    dateLastUpdated: user.dateLastUpdated.toISOString(),
    disabled: user.disabled,
    links: userLinks(base, user),
  };
}

function result(
  loginName: string,
  outcome: UserChangeResult,
  created = false,
  base = "",
): Response {
  const status = outcome === "Success" && created ? 201 : STATUS[outcome];
  return json(
    status,
    { loginName, success: outcome === "Success", error: outcome },
    "application/json",
    status === 201 ? { location: `${base}/users/${escapeStream(loginName)}` } : {},
  );
}

function requireAdmin(context: RouteContext): void {
  if (!context.services.auth.isAdmin(context.principal)) throw unauthorized();
}

function isSelf(principal: Principal, login: string): boolean {
  return principal.kind === "system" || (principal.kind === "user" && principal.username === login);
}

function notAllowed(method: string): HttpError {
  return new HttpError(405, `Method not allowed: ${method}`);
}

/** Serves `/users/...`. */
export async function usersRoute(context: RouteContext): Promise<Response | null> {
  const [first, login, command, name, ...extra] = context.segments;
  if (first !== "users") return null;
  const method = context.request.method;
  const { auth } = context.services;
  if (login === undefined) {
    if (method === "GET") {
      requireAdmin(context);
      return json(200, {
        data: auth.listUsers().map((u) => formatUser(context.base, u)),
        success: true,
        error: "Success",
      });
    }
    if (method === "POST") {
      requireAdmin(context);
      const body = await jsonBody(context);
      const loginName = stringField(body, "LoginName", true)!;
      const password = stringField(body, "Password", true)!;
      const fullName = stringField(body, "FullName", false) ?? loginName;
      const groups = groupsField(body);
      const outcome = auth.createUser({ username: loginName, password, fullName, groups });
      return result(loginName, outcome, true, context.base);
    }
    throw notAllowed(method);
  }
  if (command === undefined) {
    if (login === "$current") {
      if (method !== "GET") throw notAllowed(method);
      if (context.principal.kind !== "user") throw unauthorized();
      return getUser(context, context.principal.username);
    }
    if (method === "GET") {
      if (!auth.isAdmin(context.principal) && !isSelf(context.principal, login)) {
        throw unauthorized();
      }
      return getUser(context, login);
    }
    if (method === "PUT") {
      requireAdmin(context);
      const body = await jsonBody(context);
      const user = auth.getUser(login);
      const fullName = stringField(body, "FullName", false) ?? user?.fullName ?? login;
      return result(login, auth.updateUser(login, fullName, groupsField(body)));
    }
    if (method === "DELETE") {
      requireAdmin(context);
      return result(login, auth.deleteUser(login));
    }
    throw notAllowed(method);
  }
  if (command !== "command" || name === undefined || extra.length > 0) {
    throw new HttpError(404, `Not found: ${context.url.pathname}`);
  }
  if (!["enable", "disable", "reset-password", "change-password"].includes(name)) {
    throw new HttpError(404, `Not found: ${context.url.pathname}`);
  }
  if (method !== "POST") throw notAllowed(method);
  switch (name) {
    case "enable":
    case "disable":
      requireAdmin(context);
      return result(login, auth.setDisabled(login, name === "disable"));
    case "reset-password": {
      requireAdmin(context);
      const body = await jsonBody(context);
      return result(login, auth.resetPassword(login, stringField(body, "NewPassword", true)!));
    }
    case "change-password": {
      if (!isSelf(context.principal, login)) throw unauthorized();
      const body = await jsonBody(context);
      const current = stringField(body, "CurrentPassword", true)!;
      const next = stringField(body, "NewPassword", true)!;
      return result(login, auth.changePassword(login, current, next));
    }
    default:
      throw new HttpError(404, `Not found: ${context.url.pathname}`);
  }
}

function getUser(context: RouteContext, login: string): Response {
  const user = context.services.auth.getUser(login);
  if (user === undefined) {
    return json(404, { data: null, success: false, error: "NotFound" });
  }
  return json(200, { data: formatUser(context.base, user), success: true, error: "Success" });
}
