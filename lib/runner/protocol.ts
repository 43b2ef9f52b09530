/**
 * The Jupyter wire protocol (messaging spec v5.3): message types we use, and
 * a Session that signs outgoing and verifies incoming multipart frames with
 * HMAC-SHA256, as jupyter_client does.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = Buffer.from("<IDS|MSG>");

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** A MIME bundle as nbformat and the protocol carry it: type -> payload. */
export type MimeBundle = Record<string, unknown>;

export interface StreamContent {
  name: "stdout" | "stderr";
  text: string;
}
export interface DisplayContent {
  data: MimeBundle;
  metadata?: Record<string, unknown>;
  transient?: { display_id?: string };
}
export interface ExecuteResultContent extends DisplayContent {
  execution_count: number | null;
}
export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}
export interface ClearOutputContent {
  wait: boolean;
}
export interface StatusContent {
  execution_state: "busy" | "idle" | "starting";
}
export interface ExecuteReplyContent {
  status: "ok" | "error" | "abort";
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
export interface LanguageInfo {
  name: string;
  version?: string;
  mimetype?: string;
  file_extension?: string;
  codemirror_mode?: string | Record<string, unknown>;
  [key: string]: unknown;
}
export interface KernelInfoReplyContent {
  protocol_version?: string;
  implementation?: string;
  implementation_version?: string;
  language_info: LanguageInfo;
  banner?: string;
}

/** Content type for each msg_type this client understands. */
export interface ContentByType {
  stream: StreamContent;
  display_data: DisplayContent;
  update_display_data: DisplayContent;
  execute_result: ExecuteResultContent;
  error: ErrorContent;
  clear_output: ClearOutputContent;
  status: StatusContent;
  execute_reply: ExecuteReplyContent;
  kernel_info_reply: KernelInfoReplyContent;
}
export type KnownType = keyof ContentByType;

export interface KernelMessage<C = unknown> {
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
}

/**
 * Narrow a message by its msg_type. The kernel is trusted (its messages are
 * signed with our key), so the content shape is taken from the spec.
 */
export function isType<T extends KnownType>(msg: KernelMessage, type: T): msg is KernelMessage<ContentByType[T]> {
  return msg.header.msg_type === type;
}

export class InvalidSignatureError extends Error {
  constructor(channel: string) {
    super(
      `A message on the ${channel} channel has an invalid HMAC signature. ` +
        `Another process may be using the kernel's ports; run again to get fresh ports.`,
    );
    this.name = "InvalidSignatureError";
  }
}

/** One client session: a session id, a username and the signing key. */
export class Session {
  readonly id = randomUUID();
  private readonly username = "sigmoid-lab";

  constructor(private readonly key: string) {}

  message(msgType: string, content: object): KernelMessage<object> {
    return {
      header: {
        msg_id: randomUUID(),
        session: this.id,
        username: this.username,
        date: new Date().toISOString(),
        msg_type: msgType,
        version: PROTOCOL_VERSION,
      },
      parent_header: {},
      metadata: {},
      content,
    };
  }

  /** Frames to send on a Dealer socket: no routing prefix needed. */
  encode(msg: KernelMessage<object>): Buffer[] {
    const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p)));
    return [DELIMITER, Buffer.from(this.sign(parts)), ...parts];
  }

  /** Parse received frames; throws InvalidSignatureError on a bad signature. */
  decode(frames: Buffer[], channel: string): KernelMessage {
    const delimiterAt = frames.findIndex((f) => f.equals(DELIMITER));
    if (delimiterAt < 0 || frames.length < delimiterAt + 6) {
      throw new Error(`Malformed message on the ${channel} channel: no <IDS|MSG> delimiter.`);
    }
    const signature = frames[delimiterAt + 1];
    const parts = frames.slice(delimiterAt + 2, delimiterAt + 6);
    if (!this.verify(signature, parts)) throw new InvalidSignatureError(channel);
    const [header, parent_header, metadata, content] = parts.map((p) => JSON.parse(p.toString("utf8")));
    return { header, parent_header, metadata, content };
  }

  private sign(parts: Buffer[]): string {
    const hmac = createHmac("sha256", this.key);
    for (const p of parts) hmac.update(p);
    return hmac.digest("hex");
  }

  private verify(signature: Buffer, parts: Buffer[]): boolean {
    const expected = Buffer.from(this.sign(parts));
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}
