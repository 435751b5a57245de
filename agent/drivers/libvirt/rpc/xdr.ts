import { ErrorCodes, PlinthError } from '../../../../lib/errors.js';

/**
 * XDR (RFC 4506), just the parts libvirt's remote protocol uses. Pure: a writer
 * that grows a buffer and a reader that never reads past the end (a short or hostile
 * reply raises PLINTH_E_PARSE instead of returning garbage).
 */

/** Upper bound for any string or array in a reply: libvirt's own limit is 4 MiB per string. */
const MAX_LEN = 64 * 1024 * 1024;

export class XdrWriter {
  private buf = Buffer.alloc(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  hyper(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  uhyper(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  bool(v: boolean): this {
    return this.int(v ? 1 : 0);
  }

  /** Fixed-length opaque (e.g. a 16-byte UUID): no length prefix, padded to 4. */
  fixedOpaque(b: Uint8Array): this {
    const padded = (b.length + 3) & ~3;
    this.ensure(padded);
    this.buf.set(b, this.pos);
    this.buf.fill(0, this.pos + b.length, this.pos + padded);
    this.pos += padded;
    return this;
  }

  opaque(b: Uint8Array): this {
    this.uint(b.length);
    return this.fixedOpaque(b);
  }

  string(s: string): this {
    return this.opaque(Buffer.from(s, 'utf8'));
  }

  /** libvirt's `remote_string`: a pointer, i.e. optional<string>. */
  optString(s: string | undefined | null): this {
    if (s === undefined || s === null) return this.bool(false);
    return this.bool(true).string(s);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export class XdrReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new PlinthError(
        ErrorCodes.PARSE,
        `XDR: need ${n} bytes at offset ${this.pos}, have ${this.buf.length - this.pos}`,
      );
    }
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  int(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  hyper(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  uhyper(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    return this.int() !== 0;
  }

  fixedOpaque(n: number): Buffer {
    const padded = (n + 3) & ~3;
    this.need(padded);
    const v = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += padded;
    return v;
  }

  opaque(): Buffer {
    const n = this.uint();
    if (n > MAX_LEN)
      throw new PlinthError(ErrorCodes.PARSE, `XDR: opaque length ${n} exceeds ${MAX_LEN}`);
    return this.fixedOpaque(n);
  }

  string(): string {
    return this.opaque().toString('utf8');
  }

  optString(): string | undefined {
    return this.bool() ? this.string() : undefined;
  }

  /** A counted array; the count is bounded so a corrupt length cannot allocate the world. */
  array<T>(item: (r: XdrReader) => T, max = 1_000_000): T[] {
    const n = this.uint();
    if (n > max) throw new PlinthError(ErrorCodes.PARSE, `XDR: array length ${n} exceeds ${max}`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }

  optional<T>(item: (r: XdrReader) => T): T | undefined {
    return this.bool() ? item(this) : undefined;
  }
}
