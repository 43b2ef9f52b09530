/**
 * zlib.deflateSync for the playground's browser bundle: a valid zlib stream
 * of stored (uncompressed) deflate blocks. The page's tile pictures are PNGs
 * that live a fraction of a second and are never saved, so compressing them
 * would only cost time; browsers decode stored blocks like any other.
 */
import { BrowserBuffer } from "./buffer";

const MAX_STORED = 65535;

export function deflateSync(data: Uint8Array, _options?: unknown): BrowserBuffer {
  const blocks = Math.max(1, Math.ceil(data.length / MAX_STORED));
  const out = new BrowserBuffer(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // no dictionary, fastest; (0x78 << 8 | 0x01) % 31 === 0
  let at = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * MAX_STORED,
      len = Math.min(MAX_STORED, data.length - start);
    out[at++] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE = 00 (stored)
    out[at++] = len & 0xff;
    out[at++] = len >>> 8;
    out[at++] = ~len & 0xff;
    out[at++] = (~len >>> 8) & 0xff;
    out.set(data.subarray(start, start + len), at);
    at += len;
  }
  out.writeUInt32BE(adler32(data), at);
  return out;
}

export function adler32(data: Uint8Array): number {
  let a = 1,
    b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}
