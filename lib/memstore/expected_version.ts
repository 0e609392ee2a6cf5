/**
 * The expected versions a write may name besides an exact event number (docs/protocol.md §4.5).
 * −3 (`EmptyStream` in some clients) is not accepted from clients.
 *
 * @module
 */

/** Any version: no concurrency check; idempotency by event id. */
export const EXPECTED_ANY = -2n;
/** The stream must not exist (or be empty, or soft-deleted). */
export const EXPECTED_NO_STREAM = -1n;
/** The stream, or its metadata stream, must exist. */
export const EXPECTED_STREAM_EXISTS = -4n;
