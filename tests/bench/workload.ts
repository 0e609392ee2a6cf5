/**
 * What the orchestrator tells a workload process and what the process answers, shared by our
 * client's runner (`ours.ts`) and, as plain JSON, by node-eventstore-client's (`nec.mjs`). Both
 * runners do the same work per event: every read parses the JSON body and sums its `step`.
 *
 * @module
 */

/** The workloads a runner knows. `seed` fills a stream; `M1`, `M2` are the memory section. */
export type WorkloadName =
  | "seed"
  | "W1"
  | "W2"
  | "W3"
  | "W4"
  | "W5"
  | "W6"
  | "W7"
  | "W8"
  | "M1"
  | "M2";

/** One run of one workload, given to a runner as its single JSON argument. */
export interface WorkloadSpec {
  /** Which workload. */
  readonly workload: WorkloadName;
  /** Server address (`127.0.0.1`). */
  readonly host: string;
  /** Server port (the TLS store's port for W8). */
  readonly port: number;
  /** W8: trust this CA file and connect to `localhost` over TLS. */
  readonly caFile?: string;
  /** The stream written or read. */
  readonly stream: string;
  /** Events written or read (W6: history events). */
  readonly count: number;
  /** W2, M1: operations in flight. */
  readonly inFlight?: number;
  /** W3, seed: events per append. */
  readonly batch?: number;
  /** Reads: events per page. */
  readonly page?: number;
  /** W6: first event number of the catch-up. */
  readonly from?: number;
  /** W6: live events appended after the catch-up went live. */
  readonly live?: number;
  /** W7: sample RSS every this many events. */
  readonly sampleEvery?: number;
}

/** What a runner prints as its last stdout line. */
export interface WorkloadResult {
  /** Events written or read in the measured interval. */
  readonly events: number;
  /** Length of the measured interval, in milliseconds. */
  readonly ms: number;
  /** Per-operation latencies in milliseconds (appends, batches, live deliveries), if measured. */
  readonly latencies?: readonly number[];
  /** Sum of the `step` field of every event read (the proof that each body was parsed). */
  readonly sum?: number;
  /** W6: milliseconds of the history phase and events in it. */
  readonly historyMs?: number;
  /** W6: history events delivered before live. */
  readonly historyEvents?: number;
  /** W7: RSS in bytes after the first 50,000 events (or the first sample in quick runs). */
  readonly rssAfterWarmup?: number;
  /** W7: highest RSS sampled, in bytes. */
  readonly rssPeak?: number;
  /** M2: bytes of heap + external memory held per retained event. */
  readonly bytesPerEvent?: number;
  /** M2: the raw memory figures before and after. */
  readonly memory?: Readonly<Record<string, number>>;
  /** Runtime version (Deno or Node). */
  readonly runtime: string;
}

/** The JSON body of every bench event; readers sum `step`. */
export function benchBody(step: number): Record<string, unknown> {
  return {
    name: "Gil",
    class: "fighter",
    level: 3,
    inventory: ["sword", "shield", "potion"],
    step,
  };
}

/** The event type of every bench event. */
export const BENCH_EVENT_TYPE = "player_moved";
