import assert from "node:assert/strict";
import {
  decide,
  isRetriable,
  isRetriableDial,
  isTransientNetworkError,
  type OperationFacts,
} from "../../lib/client/retry_decision.ts";
import {
  AccessDeniedError,
  ConnectionClosedError,
  NotHandledError,
  OperationTimeoutError,
  ProtocolError,
  RetriesExhaustedError,
  StreamDeletedError,
  TlsCertificateError,
  WrongExpectedVersionError,
} from "../../lib/errors.ts";

const unit = { permissions: "none" } as const;
const policy = { maxRetries: 2, retryDelay: 200 };
const first: OperationFacts = {
  name: "WriteEvents",
  attempts: 1,
  attached: false,
  resubscribes: false,
  closing: false,
};
const lost = { kind: "lost", error: new ConnectionClosedError("gone") } as const;
const busy = { kind: "retry", error: new NotHandledError("TooBusy") } as const;
const leader = { plain: { hostname: "10.0.0.2", port: 1113 }, secure: undefined };

Deno.test("decide() forgets, keeps or attaches an operation by its own decision", unit, () => {
  assert.deepEqual(decide(first, { kind: "complete" }, policy), { kind: "forget" });
  assert.deepEqual(decide(first, { kind: "continue" }, policy), { kind: "keep" });
  assert.deepEqual(decide(first, { kind: "confirmed" }, policy), { kind: "attach" });
});

Deno.test(
  "decide() requeues after a lost connection and waits retryDelay after NotHandled",
  unit,
  () => {
    assert.deepEqual(decide(first, lost, policy), { kind: "requeue" });
    assert.deepEqual(decide(first, busy, policy), { kind: "retry-after", delay: 200 });
  },
);

Deno.test("decide() redirects NotLeader naming the leader", unit, () => {
  const redirect = { kind: "redirect", error: new NotHandledError("NotLeader"), leader } as const;
  assert.deepEqual(decide(first, redirect, policy), { kind: "redirect", leader });
});

Deno.test(
  "decide() fails with RetriesExhaustedError once maxRetries re-sends were made",
  unit,
  () => {
    const action = decide({ ...first, attempts: 3 }, busy, policy);
    assert.equal(action.kind, "fail");
    assert.ok(action.kind === "fail" && action.error instanceof RetriesExhaustedError);
    assert.match(String(action.kind === "fail" && action.error.message), /3 attempts/);
    assert.equal(decide({ ...first, attempts: 2 }, busy, policy).kind, "retry-after");
  },
);

Deno.test("decide() with no retries fails with the attempt's own error", unit, () => {
  const action = decide(first, lost, { maxRetries: 0, retryDelay: 0 });
  assert.deepEqual(action, { kind: "fail", error: lost.error });
});

Deno.test(
  "decide() never re-sends while closing, an attached subscription, or a domain error",
  unit,
  () => {
    const closing = decide({ ...first, closing: true }, busy, policy);
    assert.ok(closing.kind === "fail" && closing.error instanceof ConnectionClosedError);
    assert.deepEqual(decide({ ...first, attached: true }, lost, policy), {
      kind: "fail",
      error: lost.error,
    });
    const readOnly = new NotHandledError("IsReadOnly");
    assert.deepEqual(decide(first, { kind: "retry", error: readOnly }, policy), {
      kind: "fail",
      error: readOnly,
    });
  },
);

Deno.test("isRetriableDial() refuses misuse and untrusted certificates only", unit, () => {
  assert.equal(isRetriableDial(new Deno.errors.ConnectionRefused("refused")), true);
  assert.equal(isRetriableDial(new DOMException("Connecting timed out", "TimeoutError")), true);
  assert.equal(isRetriableDial(new TypeError("bad CA file")), false);
  assert.equal(isRetriableDial(new RangeError("bad port")), false);
  assert.equal(isRetriableDial(new TlsCertificateError("h", 1, "UnknownIssuer")), false);
});

Deno.test(
  "isRetriable() accepts connection loss, timeouts, protocol errors and NotHandled",
  unit,
  () => {
    assert.equal(isRetriable(new ConnectionClosedError("closed")), true);
    assert.equal(isRetriable(new OperationTimeoutError("WriteEvents", 7000)), true);
    assert.equal(isRetriable(new ProtocolError("truncated-frame", "cut")), true);
    assert.equal(isRetriable(new NotHandledError("NotReady")), true);
    assert.equal(isRetriable(new NotHandledError("TooBusy")), true);
    assert.equal(isRetriable(new NotHandledError("NotLeader")), true);
    assert.equal(isRetriable(new Deno.errors.ConnectionReset("reset")), true);
  },
);

Deno.test("isRetriable() refuses domain answers, IsReadOnly and misuse", unit, () => {
  assert.equal(isRetriable(new NotHandledError("IsReadOnly")), false);
  assert.equal(isRetriable(new WrongExpectedVersionError("s", 1n, 2n)), false);
  assert.equal(isRetriable(new StreamDeletedError("s")), false);
  assert.equal(isRetriable(new AccessDeniedError("s", "read")), false);
  assert.equal(isRetriable(new TypeError("bad")), false);
  assert.equal(isRetriable(new RangeError("bad")), false);
  assert.equal(isRetriable("string"), false);
  assert.equal(isRetriable(undefined), false);
});

Deno.test("isTransientNetworkError() recognises Deno's socket errors only", unit, () => {
  for (
    const error of [
      new Deno.errors.ConnectionRefused("x"),
      new Deno.errors.ConnectionReset("x"),
      new Deno.errors.ConnectionAborted("x"),
      new Deno.errors.BrokenPipe("x"),
      new Deno.errors.TimedOut("x"),
      new Deno.errors.NotConnected("x"),
      new Deno.errors.UnexpectedEof("x"),
    ]
  ) assert.equal(isTransientNetworkError(error), true, error.name);
  assert.equal(isTransientNetworkError(new Deno.errors.PermissionDenied("x")), false);
  assert.equal(isTransientNetworkError(new Deno.errors.InvalidData("x")), false);
  assert.equal(isTransientNetworkError(new Error("x")), false);
});
