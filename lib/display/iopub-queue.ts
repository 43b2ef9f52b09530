/**
 * One send at a time on the kernel's zeromq sockets.
 *
 * tslab publishes every message (status, streams, display updates) with
 * `sock.send(frames)` and never awaits it. zeromq 6 refuses a second send
 * while one is still in progress ("Socket is busy writing", EBUSY), and on a
 * loaded machine a send can stay in progress long enough for the next one to
 * arrive — a live progress display updating while the next cell starts was
 * enough to kill a kernel during `npm start`. Loaded inside a kernel, this
 * module queues sends per socket instead: each waits for the one before,
 * in order. Outside a kernel it changes nothing that code awaits (each send
 * still returns a promise that settles when that message is sent).
 */
import * as zmq from "zeromq";
import { inTslabKernel } from "./output";

type Send = (this: zmq.Writable, message: unknown) => Promise<void>;

const QUEUED = Symbol.for("sigmoid-lab.queued-send");
const pending = new WeakMap<object, Promise<void>>();

/** Make `send` of a socket class wait for the previous send on the same socket (idempotent). */
export function queueSends(socketClass: { prototype: object }): void {
  const proto = socketClass.prototype as { send?: Send; [QUEUED]?: true };
  if (proto[QUEUED]) return;
  const original = (proto.send ?? (Object.getPrototypeOf(proto) as { send?: Send }).send) as Send | undefined;
  if (typeof original !== "function") return;
  Object.defineProperty(proto, QUEUED, { value: true });
  // The base class's send is not writable: define ours on the subclass's prototype.
  Object.defineProperty(proto, "send", {
    configurable: true,
    writable: true,
    value: function (this: zmq.Writable, message: unknown): Promise<void> {
      const before = pending.get(this) ?? Promise.resolve();
      const sent = before.then(() => original.call(this, message));
      // The chain must survive a failed send; the caller still sees the failure in `sent`.
      pending.set(
        this,
        sent.catch(() => undefined),
      );
      return sent;
    },
  });
}

/** The sockets a kernel publishes and replies on. */
export function queueKernelSends(): void {
  queueSends(zmq.Publisher);
  queueSends(zmq.Router);
}

// In a kernel, from the moment the library (or its display layer) is loaded.
if (inTslabKernel()) queueKernelSends();
