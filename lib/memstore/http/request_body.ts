/**
 * Bounded request bodies: a body longer than the limit is refused with 413 before it is buffered
 * (a `Content-Length` over the limit is refused unread; a chunked body is read until it crosses
 * the limit), so no request can make the server hold more than `maxBytes` for it.
 *
 * @module
 */

import { HttpError } from "./responses.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads the whole body, at most `maxBytes`.
 *
 * @throws {HttpError} 413 when the body is longer than `maxBytes`
 */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await request.body?.cancel().catch(() => {});
    throw tooLarge(maxBytes);
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Reads the body as UTF-8 text.
 *
 * @throws {HttpError} 413 when too long, 400 when it is not UTF-8
 */
export async function readText(request: Request, maxBytes: number): Promise<string> {
  const body = await readBody(request, maxBytes);
  try {
    return decoder.decode(body);
  } catch {
    throw new HttpError(400, "Request body is not valid UTF-8");
  }
}

/**
 * Reads the body as JSON.
 *
 * @throws {HttpError} 413 when too long, 400 when it is not JSON
 */
export async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  const body = await readText(request, maxBytes);
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new HttpError(
      400,
      `Request body is not valid JSON: ${error instanceof Error ? error.message : error}`,
    );
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `Request body too large: the limit is ${maxBytes} bytes`);
}
