/** crypto.randomBytes for the playground's browser bundle (lib/display/html.ts's uniqueId), from the Web Crypto API. */
import { BrowserBuffer } from "./buffer";

export function randomBytes(size: number): BrowserBuffer {
  const out = new BrowserBuffer(size);
  globalThis.crypto.getRandomValues(out);
  return out;
}
