// SSH wire format (RFC 4251 §5): the reader the certificate parser needs. Every read checks its
// bounds, so a truncated or hostile blob throws a WireError instead of reading garbage.

export class WireError extends Error {}

export class WireReader {
  private pos = 0;
  constructor(readonly buf: Buffer) {}

  get offset(): number {
    return this.pos;
  }

  get done(): boolean {
    return this.pos === this.buf.length;
  }

  private take(n: number, what: string): Buffer {
    if (n > this.buf.length - this.pos) throw new WireError(`truncated ${what}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint32(what = 'uint32'): number {
    return this.take(4, what).readUInt32BE(0);
  }

  uint64(what = 'uint64'): bigint {
    return this.take(8, what).readBigUInt64BE(0);
  }

  bytes(what = 'string'): Buffer {
    return this.take(this.uint32(what), what);
  }

  text(what = 'string'): string {
    return this.bytes(what).toString('utf8');
  }

  /** mpint without its sign byte: unsigned big-endian magnitude (RSA e and n, ECDSA r and s) */
  mpint(what = 'mpint'): Buffer {
    const b = this.bytes(what);
    if (b.length && b[0]! & 0x80) throw new WireError(`negative ${what}`);
    let i = 0;
    while (i < b.length && b[i] === 0) i++;
    return b.subarray(i);
  }
}

/** The strings packed one after another inside a string (certificate principals, options). */
export function stringList(buf: Buffer, what: string): Buffer[] {
  const r = new WireReader(buf);
  const out: Buffer[] = [];
  while (!r.done) out.push(r.bytes(what));
  return out;
}

export function wireString(data: Buffer | string): Buffer {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}
