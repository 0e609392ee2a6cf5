/**
 * The heartbeat moved to `lib/wire/heartbeat.ts`, shared with the memstore; this re-export keeps
 * the connection's import working until the connection imports it from there.
 *
 * @module
 */

export { Heartbeat, type HeartbeatOptions } from "../wire/heartbeat.ts";
