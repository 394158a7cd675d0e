import { Parser } from 'binary-parser';
import { CaptureError } from './capture-error.js';

/** One captured link-layer frame, in file order. */
export interface CapturedPacket {
  /** Position in the file (0-based): the order the capture point saw the packets in. */
  index: number;
  /** File offset of the record (pcap) or block (pcapng) holding the frame: what an error names. */
  offset: number;
  /** Capture time, microseconds since the Unix epoch. */
  tsUs: number;
  linkType: number;
  data: Buffer;
  /** Length on the wire (data may be shorter when the snap length cut it). */
  origLen: number;
}

export const LinkType = { NULL: 0, ETHERNET: 1, RAW: 101, LINUX_SLL: 113, LINUX_SLL2: 276 } as const;

const PCAP_MICRO = 0xa1b2c3d4;
const PCAP_NANO = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER = 0x1a2b3c4d;

// classic pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html): 24-byte file header, 16-byte records
const fileHeader = (e: 'little' | 'big') =>
  new Parser()
    .endianness(e)
    .uint32('magic')
    .uint16('major')
    .uint16('minor')
    .int32('thiszone')
    .uint32('sigfigs')
    .uint32('snaplen')
    .uint32('linkType');
const recordHeader = (e: 'little' | 'big') =>
  new Parser().endianness(e).uint32('sec').uint32('frac').uint32('inclLen').uint32('origLen');
const parsers = {
  little: { file: fileHeader('little'), record: recordHeader('little') },
  big: { file: fileHeader('big'), record: recordHeader('big') },
};

interface FileHeader {
  magic: number;
  linkType: number;
}
interface RecordHeader {
  sec: number;
  frac: number;
  inclLen: number;
  origLen: number;
}

/** Reads a pcap or pcapng file's bytes into its packets. `name` is only for error messages. */
export function readCapture(bytes: Buffer, name = 'capture'): CapturedPacket[] {
  if (bytes.length < 4) throw new CaptureError({ file: name, offset: 0, kind: 'format', detail: 'empty' });
  if (bytes.readUInt32LE(0) === PCAPNG_SHB) return readPcapng(bytes, name);
  return readPcap(bytes, name);
}

function readPcap(bytes: Buffer, name: string): CapturedPacket[] {
  const le = bytes.readUInt32LE(0);
  const be = bytes.readUInt32BE(0);
  const endian =
    le === PCAP_MICRO || le === PCAP_NANO
      ? 'little'
      : be === PCAP_MICRO || be === PCAP_NANO
        ? 'big'
        : undefined;
  if (!endian)
    throw new CaptureError({
      file: name,
      offset: 0,
      kind: 'format',
      detail: `not a pcap file (magic ${bytes.subarray(0, 4).toString('hex')})`,
    });
  if (bytes.length < 24)
    throw new CaptureError({ file: name, offset: 0, kind: 'truncated', detail: 'file header cut short' });
  const p = parsers[endian];
  const head = p.file.parse(bytes) as FileHeader;
  const nano = head.magic === PCAP_NANO;
  const out: CapturedPacket[] = [];
  let at = 24;
  while (at < bytes.length) {
    if (at + 16 > bytes.length)
      throw new CaptureError({
        file: name,
        offset: at,
        kind: 'truncated',
        detail: 'record header cut short',
      });
    const r = p.record.parse(bytes.subarray(at, at + 16)) as RecordHeader;
    const end = at + 16 + r.inclLen;
    if (end > bytes.length)
      throw new CaptureError({
        file: name,
        offset: at,
        kind: 'truncated',
        detail: `record of ${r.inclLen} bytes runs past the end`,
      });
    out.push({
      index: out.length,
      offset: at,
      tsUs: r.sec * 1e6 + (nano ? Math.floor(r.frac / 1000) : r.frac),
      linkType: head.linkType,
      data: bytes.subarray(at + 16, end),
      origLen: r.origLen,
    });
    at = end;
  }
  return out;
}

interface Interface {
  linkType: number;
  /** Time units per second (if_tsresol, default microseconds). */
  unitsPerSecond: number;
}

/**
 * pcapng (draft-ietf-opsawg-pcapng): blocks of type, total length, body, total length. Section header
 * blocks set the byte order; interface blocks the link type and time resolution; enhanced, simple and the
 * obsolete packet blocks carry packets. Other blocks (name resolution, statistics, custom) are skipped.
 */
function readPcapng(bytes: Buffer, name: string): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  let le = true;
  let ifaces: Interface[] = [];
  let at = 0;
  const u32 = (o: number) => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const u16 = (o: number) => (le ? bytes.readUInt16LE(o) : bytes.readUInt16BE(o));
  const truncated = (detail: string) =>
    new CaptureError({ file: name, offset: at, kind: 'truncated', detail });
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw truncated('block header cut short');
    const type = bytes.readUInt32LE(at);
    if (type === PCAPNG_SHB) {
      const bom = bytes.readUInt32LE(at + 8);
      if (bom !== PCAPNG_BYTE_ORDER && bytes.readUInt32BE(at + 8) !== PCAPNG_BYTE_ORDER)
        throw new CaptureError({ file: name, offset: at, kind: 'format', detail: 'bad byte-order magic' });
      le = bom === PCAPNG_BYTE_ORDER;
      ifaces = [];
    }
    const len = u32(at + 4);
    if (len < 12 || len % 4 !== 0)
      throw new CaptureError({ file: name, offset: at, kind: 'format', detail: `block length ${len}` });
    if (at + len > bytes.length) throw truncated(`block of ${len} bytes runs past the end`);
    const body = at + 8;
    const blockType = u32(at);
    if (blockType === 1) {
      ifaces.push({ linkType: u16(body), unitsPerSecond: tsResolution(bytes, body + 8, at + len - 4, le) });
    } else if (blockType === 6 || blockType === 2) {
      // enhanced (6): u32 interface; obsolete packet block (2): u16 interface, u16 drops
      const iface = ifaces[blockType === 6 ? u32(body) : u16(body)];
      if (!iface)
        throw new CaptureError({
          file: name,
          offset: at,
          kind: 'format',
          detail: 'packet before its interface block',
        });
      const ts = (BigInt(u32(body + 4)) << 32n) | BigInt(u32(body + 8));
      const capLen = u32(body + 12);
      if (body + 20 + capLen > at + len - 4) throw truncated('packet data runs past its block');
      out.push({
        index: out.length,
        offset: at,
        tsUs: toMicros(ts, iface.unitsPerSecond),
        linkType: iface.linkType,
        data: bytes.subarray(body + 20, body + 20 + capLen),
        origLen: u32(body + 16),
      });
    } else if (blockType === 3) {
      const iface = ifaces[0];
      if (!iface)
        throw new CaptureError({
          file: name,
          offset: at,
          kind: 'format',
          detail: 'packet before its interface block',
        });
      const origLen = u32(body);
      const capLen = Math.min(origLen, len - 16);
      out.push({
        index: out.length,
        offset: at,
        tsUs: 0,
        linkType: iface.linkType,
        data: bytes.subarray(body + 4, body + 4 + capLen),
        origLen,
      });
    }
    at += len;
  }
  return out;
}

// nanosecond stamps pass 2^53: exact in BigInt, then microseconds fit a number until the year 2255
const toMicros = (ts: bigint, unitsPerSecond: number) => Number((ts * 1_000_000n) / BigInt(unitsPerSecond));

/** if_tsresol (option 9): high bit set = power of two, else power of ten; default 10^-6. */
function tsResolution(bytes: Buffer, from: number, to: number, le: boolean): number {
  let at = from;
  while (at + 4 <= to) {
    const code = le ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at);
    const len = le ? bytes.readUInt16LE(at + 2) : bytes.readUInt16BE(at + 2);
    if (code === 0) break;
    if (code === 9 && len >= 1) {
      const v = bytes[at + 4]!;
      return v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
    }
    at += 4 + Math.ceil(len / 4) * 4;
  }
  return 1e6;
}
