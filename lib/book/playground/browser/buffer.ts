/**
 * The part of Node's Buffer that lib/display/tiles.ts and lib/display/html.ts
 * use (PNG chunks, base64 and hex text: alloc, from(bytes), concat, writeUInt32BE,
 * write, toString), on a Uint8Array, for the
 * playground's browser bundle, where esbuild injects it as the global
 * `Buffer`. test/playground-page.test.ts checks it against Node's Buffer.
 */
export class BrowserBuffer extends Uint8Array {
  static alloc(size: number): BrowserBuffer {
    return new BrowserBuffer(size);
  }

  // Buffer.from(bytes) is Uint8Array.from, inherited: it builds a BrowserBuffer.

  static concat(list: readonly Uint8Array[]): BrowserBuffer {
    const out = new BrowserBuffer(list.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of list) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }

  writeUInt32BE(value: number, offset = 0): number {
    new DataView(this.buffer, this.byteOffset, this.byteLength).setUint32(offset, value >>> 0, false);
    return offset + 4;
  }

  /** Latin-1 / ASCII text only: one byte per character. */
  write(text: string, offset = 0, encoding = "utf8"): number {
    if (encoding !== "ascii" && encoding !== "latin1" && /[^\x00-\x7f]/.test(text))
      throw new Error(`BrowserBuffer.write: only ASCII text, got ${JSON.stringify(text)}`);
    for (let i = 0; i < text.length; i++) this[offset + i] = text.charCodeAt(i) & 0xff;
    return text.length;
  }

  override toString(encoding = "utf8"): string {
    if (encoding === "base64") return btoa(this.latin1());
    if (encoding === "hex") return Array.from(this, (b) => b.toString(16).padStart(2, "0")).join("");
    if (encoding === "latin1") return this.latin1();
    if (encoding === "ascii")
      return this.latin1().replace(/[\x80-\xff]/g, (c) => String.fromCharCode(c.charCodeAt(0) & 0x7f)); // Node drops the high bit
    return new TextDecoder().decode(this);
  }

  /** One character per byte, in chunks (a spread of a long array overflows the stack). */
  private latin1(): string {
    let s = "";
    for (let i = 0; i < this.length; i += 0x8000) s += String.fromCharCode(...this.subarray(i, i + 0x8000));
    return s;
  }
}

export { BrowserBuffer as Buffer };
