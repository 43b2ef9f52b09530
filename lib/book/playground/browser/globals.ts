/**
 * Globals the library expects from Node, for the playground's browser bundle
 * (esbuild injects this file): `Buffer`, and `setImmediate`, which the
 * training loop (lib/core/train.ts) awaits to let displays update.
 */
export { BrowserBuffer as Buffer } from "./buffer";

/** A macrotask, like Node's setImmediate: a resolved MessageChannel message (setTimeout(0) is clamped to 4 ms). */
export function setImmediate(callback: () => void): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    callback();
  };
  channel.port2.postMessage(null);
}
