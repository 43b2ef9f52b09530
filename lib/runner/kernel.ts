/**
 * A client for one tslab kernel: starts it, talks the Jupyter protocol over
 * zeromq (shell and control on Dealers, iopub on a Subscriber), executes code
 * the way nbclient does, and shuts it down without leaving a process behind.
 */
import * as zmq from "zeromq";
import { Channel, ConnectionFile, channelAddress, writeConnectionFile } from "./connection";
import { KernelError } from "./errors";
import { KernelSpecMetadata } from "./notebook";
import { KernelProcess, spawnKernel } from "./process";
import { ExecuteReplyContent, KernelInfoReplyContent, KernelMessage, Session, isType } from "./protocol";

export const KERNEL_NAME = "sigmoid-lab";
/** What notebooks record as metadata.kernelspec, and what `npm run kernel` registers. */
export const KERNELSPEC: KernelSpecMetadata = {
  name: KERNEL_NAME,
  display_name: "TypeScript (sigmoid-lab)",
  language: "typescript",
};
const KERNEL_INFO_RETRY_MS = 500;
const INTERRUPT_GRACE_MS = 3000;
const SHUTDOWN_REPLY_MS = 1000;

export interface KernelStartOptions {
  /** Working directory of the kernel: relative imports in cells resolve here. */
  cwd: string;
  startTimeoutMs: number;
  /** Variables set (a string) or removed (null) in the kernel's environment, e.g. the profile it runs under. */
  env?: Readonly<Record<string, string | null>>;
}

/** Header dates (ISO 8601) of the messages that bracket one execution, as nbclient records them. */
export type ExecutionTiming = Partial<
  Record<"iopub.status.busy" | "iopub.execute_input" | "shell.execute_reply" | "iopub.status.idle", string>
>;

export interface ExecuteOutcome {
  reply: ExecuteReplyContent;
  timing: ExecutionTiming;
}

type Listener = (channel: Channel, msg: KernelMessage) => void;

interface Sockets {
  shell: zmq.Dealer;
  control: zmq.Dealer;
  iopub: zmq.Subscriber;
}

export class Kernel {
  info: KernelInfoReplyContent | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly sendQueues = new Map<Channel, Promise<void>>();
  private closing = false;
  /** Rejects as soon as the kernel is unusable (died, bad message); never resolves. */
  private readonly broken: Promise<never>;
  private fail: (err: KernelError) => void = () => undefined;

  private constructor(
    private readonly proc: KernelProcess,
    private readonly connection: ConnectionFile,
    private readonly sockets: Sockets,
    private readonly session: Session,
  ) {
    this.broken = new Promise<never>((_, reject) => (this.fail = reject));
    this.broken.catch(() => undefined); // observed through races only
    void proc.exited.then((exit) => {
      if (this.closing) return;
      const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
      const hint = "A cell that calls process.exit() or runs out of memory ends the kernel.";
      this.fail(new KernelError("died", `the kernel process ${proc.pid} exited (${how}). ${hint}${this.tail()}`));
    });
    for (const channel of ["shell", "control", "iopub"] as const) void this.receive(channel);
  }

  get pid(): number {
    return this.proc.pid;
  }

  static async start(opts: KernelStartOptions): Promise<Kernel> {
    const connection = await writeConnectionFile(KERNEL_NAME);
    let proc: KernelProcess;
    try {
      proc = spawnKernel(connection.path, opts.cwd, opts.env);
    } catch (err) {
      connection.remove();
      throw err;
    }
    const sockets = connectSockets(connection);
    const kernel = new Kernel(proc, connection, sockets, new Session(connection.info.key));
    try {
      kernel.info = await kernel.waitForReady(opts.startTimeoutMs);
      return kernel;
    } catch (err) {
      await kernel.shutdown({ graceful: false }); // it never answered: just kill it
      throw err instanceof KernelError && err.failure === "died" ? new KernelError("start-failed", err.message) : err;
    }
  }

  /**
   * Run code; resolves once BOTH the execute_reply and the iopub idle status
   * for this request have arrived, so every output has been delivered.
   * On timeout the kernel is interrupted and a KernelError("timeout") thrown.
   */
  async execute(code: string, onOutput: (msg: KernelMessage) => void, timeoutMs: number): Promise<ExecuteOutcome> {
    const request = this.session.message("execute_request", {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    const execution = awaitExecution(request.header.msg_id, onOutput);
    const stopListening = this.listen(execution.listener);
    try {
      await this.send("shell", request);
      const outcome = await this.race(execution.finished, timeoutMs);
      if (outcome) return outcome;
      throw await this.interruptAfterTimeout(execution.finished, timeoutMs);
    } finally {
      stopListening();
    }
  }

  /** shutdown_request on control, then kill the process group; idempotent. */
  async shutdown({ graceful = true } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (graceful && !this.proc.hasExited()) {
      const request = this.session.message("shutdown_request", { restart: false });
      const replied = this.nextMessage("control", (m) => m.parent_header.msg_id === request.header.msg_id);
      await this.send("control", request).catch(() => undefined);
      await within(Promise.race([replied, this.proc.exited]), SHUTDOWN_REPLY_MS);
    }
    this.proc.kill();
    await within(this.proc.exited, SHUTDOWN_REPLY_MS);
    this.listeners.clear();
    for (const socket of Object.values(this.sockets)) socket.close();
    this.connection.remove();
  }

  private async interruptAfterTimeout(finished: Promise<ExecuteOutcome>, timeoutMs: number): Promise<KernelError> {
    this.proc.interrupt();
    const stopped = await this.race(finished, INTERRUPT_GRACE_MS).catch(() => null);
    const after = stopped
      ? "The kernel was interrupted."
      : `The kernel did not respond to an interrupt within ${INTERRUPT_GRACE_MS / 1000} s and will be killed.`;
    return new KernelError(
      "timeout",
      `the cell ran longer than its timeout of ${timeoutMs / 1000} s. ${after} ` +
        `Raise it with --cell-timeout SECONDS (RunOptions.cellTimeoutMs) or use a lighter profile.`,
    );
  }

  /**
   * Ask for kernel_info until the reply AND an iopub message arrive: the
   * Subscriber may connect after the kernel's first status was published.
   */
  private async waitForReady(timeoutMs: number): Promise<KernelInfoReplyContent> {
    const deadline = Date.now() + timeoutMs;
    let info: KernelInfoReplyContent | null = null;
    let iopubAlive = false;
    const stop = this.listen((channel, msg) => {
      if (channel === "shell" && isType(msg, "kernel_info_reply")) info = msg.content;
      if (channel === "iopub") iopubAlive = true;
    });
    try {
      while (Date.now() < deadline) {
        await this.send("shell", this.session.message("kernel_info_request", {}));
        await this.race(delay(Math.min(KERNEL_INFO_RETRY_MS, deadline - Date.now())), timeoutMs);
        if (info && iopubAlive) return info;
      }
    } finally {
      stop();
    }
    throw new KernelError(
      "start-failed",
      `the kernel did not answer within ${timeoutMs / 1000} s. ` +
        `Raise the limit with --start-timeout SECONDS if the machine is slow.${this.tail()}`,
    );
  }

  /** Resolve with p's value, null on timeout; reject if the kernel breaks. */
  private race<T>(p: Promise<T>, timeoutMs: number): Promise<T | null> {
    return within(Promise.race([p, this.broken]), timeoutMs);
  }

  private nextMessage(channel: Channel, match: (m: KernelMessage) => boolean): Promise<KernelMessage> {
    return new Promise((resolve) => {
      const stop = this.listen((c, m) => {
        if (c === channel && match(m)) {
          stop();
          resolve(m);
        }
      });
    });
  }

  private listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** zeromq allows one send in flight per socket: queue them. */
  private send(channel: Exclude<Channel, "iopub">, msg: KernelMessage<object>): Promise<void> {
    const frames = this.session.encode(msg);
    const previous = this.sendQueues.get(channel) ?? Promise.resolve();
    const next = previous.then(() => this.sockets[channel].send(frames));
    this.sendQueues.set(
      channel,
      next.catch(() => undefined),
    );
    return next;
  }

  private async receive(channel: Channel): Promise<void> {
    try {
      for await (const frames of this.sockets[channel]) {
        const msg = this.session.decode(frames, channel);
        for (const listener of [...this.listeners]) listener(channel, msg);
      }
    } catch (err) {
      if (!this.closing) this.fail(new KernelError("protocol", (err as Error).message));
    }
  }

  private tail(): string {
    const tail = this.proc.outputTail();
    return tail ? `\nKernel output:\n${tail}` : "";
  }
}

/**
 * nbclient's completion rule: an execution is over when BOTH its execute_reply
 * (shell) and its idle status (iopub) have arrived; outputs come in between.
 */
function awaitExecution(
  msgId: string,
  onOutput: (msg: KernelMessage) => void,
): { listener: Listener; finished: Promise<ExecuteOutcome> } {
  const timing: ExecutionTiming = {};
  let reply: ExecuteReplyContent | null = null;
  let idle = false;
  let done: (outcome: ExecuteOutcome) => void = () => undefined;
  const finished = new Promise<ExecuteOutcome>((resolve) => (done = resolve));
  const listener: Listener = (channel, msg) => {
    if (msg.parent_header.msg_id !== msgId) return;
    if (channel === "shell" && isType(msg, "execute_reply")) {
      reply = msg.content;
      timing["shell.execute_reply"] = msg.header.date;
    } else if (channel === "iopub" && isType(msg, "status")) {
      const state = msg.content.execution_state;
      if (state === "busy" || state === "idle") timing[`iopub.status.${state}`] = msg.header.date;
      idle ||= state === "idle";
    } else if (channel === "iopub" && msg.header.msg_type === "execute_input") {
      timing["iopub.execute_input"] = msg.header.date;
    } else if (channel === "iopub") {
      onOutput(msg);
    }
    if (reply && idle) done({ reply, timing });
  };
  return { listener, finished };
}

function connectSockets(connection: ConnectionFile): Sockets {
  const sockets: Sockets = {
    shell: new zmq.Dealer({ linger: 0 }),
    control: new zmq.Dealer({ linger: 0 }),
    iopub: new zmq.Subscriber({ linger: 0 }),
  };
  sockets.iopub.subscribe();
  for (const channel of ["shell", "control", "iopub"] as const) {
    sockets[channel].connect(channelAddress(connection.info, channel));
  }
  return sockets;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** p's value, or null after ms; the timer is cleared so it cannot hold the process open. */
function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), Math.max(0, ms))));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
