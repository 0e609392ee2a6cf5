/**
 * Every example under examples/ runs as its own process (as a user would run it, each starting
 * its own in-memory EventStore or cluster) and prints exactly what its documentation promises.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);

/** Runs `deno <args>` in the repository root without EVENTSTORE_URL; returns stdout. */
async function runDeno(args: string[]): Promise<string> {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete env.EVENTSTORE_URL;
  delete env.PHOTONPUMP_LOG;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(
    code,
    0,
    `deno ${args.join(" ")} exited with ${code}:\n${out}\n${new TextDecoder().decode(stderr)}`,
  );
  return out;
}

/** Asserts that `examples/<file>` prints exactly `lines`. */
function exampleTest(file: string, promise: string, lines: readonly string[]): void {
  Deno.test(`examples/${file} ${promise}`, async () => {
    const out = await runDeno(["run", "-A", `examples/${file}`]);
    assert.deepEqual(out.trimEnd().split("\n"), lines);
  });
}

exampleTest(
  "batch_writes_and_paging.ts",
  "writes five ponies in one batch and pages through them two at a time",
  [
    "Wrote 5 events in one batch: numbers 0 to 4",
    "Page 1: Applejack, Fluttershy",
    "Page 2: Pinkie Pie, Rainbow Dash",
    "Page 3: Rarity",
    "Newest pony, read backward: Rarity",
  ],
);

exampleTest(
  "iter_pipeline.ts",
  "converts feet to metres with a running total through async generators over iter()",
  [
    "table: 1.83 m (total 1.83 m)",
    "door: 2.13 m (total 3.96 m)",
    "room: 3.81 m (total 7.77 m)",
    "hall: 9.14 m (total 16.92 m)",
  ],
);

exampleTest(
  "volatile_subscription.ts",
  "delivers only the events written after subscribing, and unsubscribes on break",
  [
    "live #1: hello",
    "live #2: anyone there?",
    "live #3: bye",
    "Subscription ended: unsubscribed",
  ],
);

exampleTest(
  "catch_up_subscription.ts",
  "delivers the history, then a live event, once each and in order",
  [
    '#0 order_placed {"order":1}',
    '#1 order_placed {"order":2}',
    '#2 order_shipped {"order":1}',
    '#3 order_shipped {"order":2}',
    "Went live after the history: true",
  ],
);

exampleTest(
  "persistent_subscription_worker.ts",
  "acks, retries a transient failure once and parks a poison message",
  [
    "invoice 1: charged 120 (delivery 1)",
    "invoice 2: payment service busy, retry later",
    "invoice 3: negative amount, parked",
    "invoice 2: charged 80 (delivery 2)",
    "parked: invoices #2 (invoice 3)",
  ],
);

exampleTest(
  "optimistic_concurrency.ts",
  "retries a write that lost a race and decides again on fresh state",
  [
    "Ada: booked 2 seat(s) on attempt 1",
    "Cy: booked 1 seat(s) on attempt 1",
    "Bob: the flight changed (expected version 0, current 1), reading again",
    "Bob: only 1 seat(s) left, not booking 2",
    "flight-42: 3 of 4 seats booked",
  ],
);

exampleTest(
  "cluster_failover.ts",
  "finds the leader by gossip and fails over to the new leader when it dies",
  [
    "Connected through gossip to node 0 (leader)",
    "Wrote parcel 1",
    "The leader died; the cluster elected a new one",
    "Wrote parcel 2 after failing over to node 1 (leader)",
    "shipments holds parcels 1 and 2",
  ],
);

exampleTest(
  "tls_with_ca.ts",
  "writes over TLS when trusting the CA and is refused with TlsCertificateError without it",
  [
    "Over TLS, trusting ca.crt: wrote event #0",
    "Without the CA: TlsCertificateError",
  ],
);

exampleTest(
  "management_users.ts",
  "creates a user over HTTP who then writes over TCP, and a wrong password is refused",
  [
    "Created billing in accounts",
    "billing wrote event #0",
    "Wrong password: refused with NotAuthenticatedError",
  ],
);

Deno.test("examples/memstore_test.ts runs its two Deno.test cases against the memstore, both passing", async () => {
  const out = await runDeno(["test", "-A", "examples/memstore_test.ts"]);
  assert.match(out, /registerPlayer\(\) writes one player_registered event .* ok/);
  assert.match(out, /registerPlayer\(\) rejects a name that is already registered .* ok/);
  assert.match(out, /ok \| 2 passed \| 0 failed/);
});
