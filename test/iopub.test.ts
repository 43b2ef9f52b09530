/**
 * The kernel's sends go one at a time (lib/display/iopub-queue): tslab sends
 * without awaiting, and zeromq refuses a second send while one is in
 * progress ("Socket is busy writing"), which killed a kernel under load.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as zmq from "zeromq";
import { queueSends } from "../lib/display/iopub-queue";

/** A socket whose send stays in progress for a while, and refuses a second one meanwhile, as zeromq does. */
class SlowSocket {
  busy = false;
  readonly sent: number[] = [];
  send(message: number): Promise<void> {
    if (this.busy) throw new Error("Socket is busy writing; only one send operation may be in progress at any time");
    this.busy = true;
    return new Promise((resolve) =>
      setTimeout(() => {
        this.busy = false;
        this.sent.push(message);
        resolve();
      }, 2),
    );
  }
}

test("unqueued, a second send while one is in progress throws; queued, every message goes out, in order", async () => {
  const raw = new SlowSocket();
  void raw.send(0);
  assert.throws(() => raw.send(1), /busy writing/);
  class Queued extends SlowSocket {}
  queueSends(Queued);
  queueSends(Queued); // idempotent: no double wrapping
  const s = new Queued();
  await Promise.all(Array.from({ length: 20 }, (_, i) => s.send(i)));
  assert.deepEqual(
    s.sent,
    Array.from({ length: 20 }, (_, i) => i),
  );
});

test("a queued zeromq publisher still delivers every message in order", async () => {
  class Pub extends zmq.Publisher {}
  queueSends(Pub);
  const pub = new Pub();
  await pub.bind("tcp://127.0.0.1:*");
  const sub = new zmq.Subscriber();
  sub.connect(pub.lastEndpoint!);
  sub.subscribe();
  await new Promise((r) => setTimeout(r, 300)); // the slow joiner
  const n = 200;
  const sends = Array.from({ length: n }, (_, i) => pub.send(String(i)));
  const got: string[] = [];
  for (let i = 0; i < n; i++) got.push((await sub.receive())[0].toString());
  await Promise.all(sends);
  assert.deepEqual(
    got,
    Array.from({ length: n }, (_, i) => String(i)),
  );
  pub.close();
  sub.close();
});
