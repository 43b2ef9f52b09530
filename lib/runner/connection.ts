/**
 * The kernel connection file: five free TCP ports on 127.0.0.1 and a random
 * HMAC key, written to a private temporary directory.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface ConnectionInfo {
  transport: "tcp";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

export type Channel = "shell" | "iopub" | "control";

export interface ConnectionFile {
  info: ConnectionInfo;
  /** Private directory holding the file; removed by `remove()`. */
  dir: string;
  path: string;
  remove(): void;
}

const LOOPBACK = "127.0.0.1";

/** Ask the OS for a free port by binding port 0; jupyter_client does the same. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export async function writeConnectionFile(kernelName: string): Promise<ConnectionFile> {
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = await distinctFreePorts(5);
  const info: ConnectionInfo = {
    transport: "tcp",
    ip: LOOPBACK,
    shell_port,
    iopub_port,
    stdin_port,
    control_port,
    hb_port,
    key: randomBytes(32).toString("hex"),
    signature_scheme: "hmac-sha256",
    kernel_name: kernelName,
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-kernel-"));
  const file = path.join(dir, "connection.json");
  // The key authenticates every message: keep it readable by us only.
  fs.writeFileSync(file, JSON.stringify(info, null, 2), { mode: 0o600 });
  return { info, dir, path: file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function channelAddress(info: ConnectionInfo, channel: Channel): string {
  const port = { shell: info.shell_port, iopub: info.iopub_port, control: info.control_port }[channel];
  return `${info.transport}://${info.ip}:${port}`;
}
