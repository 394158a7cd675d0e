import { EncodeError } from '../errors.js';

const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

/**
 * Lays out one fixed-size structure (a record, a header, a request) in a zeroed buffer. Every encoder
 * goes through it so that a value the layout cannot carry is refused with the structure and field named,
 * instead of Buffer's bare RangeError or, worse, a silent truncation (a 25-byte name in a 24-byte field,
 * `NaN` written as 0).
 */
export class ByteWriter {
  readonly bytes: Buffer;

  constructor(
    size: number,
    /** What is being encoded, for the error: `72-byte user record`, `pcap record header`. */
    private readonly layout: string,
    private readonly endian: 'le' | 'be' = 'le',
  ) {
    this.bytes = Buffer.alloc(size);
  }

  u8(at: number, value: number, field: string): this {
    this.bytes[at] = this.checked(value, 0xff, field);
    return this;
  }

  u16(at: number, value: number, field: string): this {
    const v = this.checked(value, U16_MAX, field);
    if (this.endian === 'le') this.bytes.writeUInt16LE(v, at);
    else this.bytes.writeUInt16BE(v, at);
    return this;
  }

  u32(at: number, value: number, field: string): this {
    const v = this.checked(value, U32_MAX, field);
    if (this.endian === 'le') this.bytes.writeUInt32LE(v, at);
    else this.bytes.writeUInt32BE(v, at);
    return this;
  }

  /**
   * Latin-1 text, NUL-padded to `size`. A value that fills the field exactly has no NUL, as terminals
   * write it; a longer one is refused.
   */
  text(at: number, size: number, value: string, field: string): this {
    if (Buffer.byteLength(value, 'latin1') > size)
      throw new EncodeError(this.layout, field, value, `is longer than ${size} bytes`);
    this.bytes.write(value, at, size, 'latin1');
    return this;
  }

  /** A decimal id carried as an unsigned integer (the PIN layouts): only digits that fit `width` bytes. */
  digits(at: number, width: 2 | 4, value: string, field: string): this {
    const n = /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
    if (!(n <= (width === 2 ? U16_MAX : U32_MAX)))
      throw new EncodeError(this.layout, field, value, `is not a u${width * 8} number`);
    return width === 2 ? this.u16(at, n, field) : this.u32(at, n, field);
  }

  copy(at: number, source: Uint8Array): this {
    this.bytes.set(source, at);
    return this;
  }

  private checked(value: number, max: number, field: string): number {
    if (!Number.isInteger(value) || value < 0 || value > max)
      throw new EncodeError(this.layout, field, String(value), `is not an integer 0…${max}`);
    return value;
  }
}
