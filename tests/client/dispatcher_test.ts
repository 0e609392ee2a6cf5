import assert from "node:assert/strict";
import { Dispatcher } from "../../lib/client/dispatcher.ts";
import { COMPLETE, CONTINUE, type Decision, type Operation } from "../../lib/client/operation.ts";
import { ProtocolError } from "../../lib/errors.ts";
import type { Message } from "../../lib/wire/message.ts";

class Recorder implements Operation<void> {
  readonly name = "Test";
  readonly credentials = undefined;
  readonly result: Promise<void> = Promise.resolve();
  readonly received: Message[] = [];
  readonly failures: Error[] = [];
  constructor(readonly answer: (pkg: Message) => Decision) {}
  createRequest() {
    return { command: 0x03, payload: new Uint8Array(0) };
  }
  handle(pkg: Message): Decision {
    this.received.push(pkg);
    return this.answer(pkg);
  }
  fail(error: Error): void {
    this.failures.push(error);
  }
}

const pkg = (correlationId: string): Message => ({
  command: 0x04,
  correlationId,
  schema: undefined,
  body: undefined,
});

Deno.test({
  name: "the dispatcher routes each package to the operation with its correlation id",
  permissions: "none",
  fn() {
    const dispatcher = new Dispatcher();
    const a = new Recorder(() => COMPLETE);
    const b = new Recorder(() => COMPLETE);
    const idA = dispatcher.register(a);
    const idB = dispatcher.register(b);
    assert.notEqual(idA, idB);
    assert.equal(dispatcher.dispatch(pkg(idB)).kind, "routed");
    assert.equal(dispatcher.dispatch(pkg(idA)).kind, "routed");
    assert.deepEqual(a.received.map((p) => p.correlationId), [idA]);
    assert.deepEqual(b.received.map((p) => p.correlationId), [idB]);
    assert.equal(dispatcher.size, 0, "completed operations are forgotten");
    assert.equal(dispatcher.dispatch(pkg(idA)).kind, "unrouted");
  },
});

Deno.test({
  name: "an operation answering continue keeps receiving packages (subscriptions)",
  permissions: "none",
  fn() {
    const dispatcher = new Dispatcher();
    let n = 0;
    const sub = new Recorder(() => (++n < 3 ? CONTINUE : COMPLETE));
    const id = dispatcher.register(sub);
    for (let i = 0; i < 3; i++) dispatcher.dispatch(pkg(id));
    assert.equal(sub.received.length, 3);
    assert.equal(dispatcher.dispatch(pkg(id)).kind, "unrouted");
  },
});

Deno.test({
  name: "re-registering an operation (a retry) gives it a new id and orphans the old one",
  permissions: "none",
  fn() {
    const dispatcher = new Dispatcher();
    const retry = { kind: "retry", error: new Error("busy") } as const;
    const op = new Recorder(() => retry);
    const first = dispatcher.register(op);
    const outcome = dispatcher.dispatch(pkg(first));
    assert.ok(outcome.kind === "routed" && outcome.decision === retry);
    assert.equal(dispatcher.size, 0, "the executor decides what to do with a retry");
    const second = dispatcher.register(op);
    assert.notEqual(second, first);
    assert.equal(dispatcher.correlationIdOf(op), second);
    assert.equal(dispatcher.dispatch(pkg(first)).kind, "unrouted");
  },
});

Deno.test({
  name: "an operation that throws on a malformed package is failed and removed",
  permissions: "none",
  fn() {
    const dispatcher = new Dispatcher();
    const op = new Recorder(() => {
      throw new ProtocolError("bad-payload", "garbage");
    });
    const id = dispatcher.register(op);
    const outcome = dispatcher.dispatch(pkg(id));
    assert.equal(outcome.kind, "malformed");
    assert.ok(op.failures[0] instanceof ProtocolError);
    assert.equal(dispatcher.size, 0);
  },
});

Deno.test({
  name: "failAll() fails every registered operation once and empties the table",
  permissions: "none",
  fn() {
    const dispatcher = new Dispatcher();
    const ops = [new Recorder(() => COMPLETE), new Recorder(() => CONTINUE)];
    for (const op of ops) dispatcher.register(op);
    const error = new Error("closed");
    dispatcher.failAll(error);
    for (const op of ops) assert.deepEqual(op.failures, [error]);
    assert.equal(dispatcher.size, 0);
  },
});
