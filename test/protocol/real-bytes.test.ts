/**
 * Real terminal bytes (shared/protocol/real-bytes, README "Using them"): each device→client stream is fed to
 * the framer whole, one .hex line (original read) at a time and one byte at a time, and must give exactly the
 * frames in the json sidecar; bulk data is reassembled and checked by length and sha256; records decode as
 * the sidecars say. The json expectations were derived independently of this code (style.md §6).
 */
import t, { type Test } from 'tap';
import { decodeAttlogRecord } from '../../protocol/zk/attlog-record.js';
import { decodePrepareData } from '../../protocol/zk/buffered-read.js';
import { Command } from '../../protocol/zk/commands.js';
import type { ZkPacket } from '../../protocol/zk/packet.js';
import { type FrameResult, TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { decodeUserRecords, type UserRecord } from '../../protocol/zk/user-record.js';
import { type HexLine, hex, readHexFixture, readJsonFixture, sha256 } from '../helpers/zk-bytes.js';

interface JsonFrame {
  cmd: number;
  checksum: string;
  checksum_ok: boolean;
  session_field: string;
  reply_id: number;
  length_field: number;
  data_len: number;
  data_hex?: string;
  data_sha256?: string;
  hex_lines?: [number, number];
}

interface JsonUser {
  uid: number;
  privilege: number;
  password: string;
  name: string;
  card: number;
  group_byte39: number;
  user_id: string;
}

const fromJson = (u: JsonUser): UserRecord => ({
  uid: u.uid,
  privilege: u.privilege,
  password: u.password,
  name: u.name,
  card: u.card,
  group: u.group_byte39,
  userId: u.user_id,
});

interface Fed {
  packets: Array<{
    packet: ZkPacket;
    offset: number /** index of the chunk whose push produced it */;
    chunk: number;
  }>;
  errors: FrameResult[];
  end: ReturnType<TcpFramer['finish']>;
}

function feed(chunks: Buffer[]): Fed {
  const framer = new TcpFramer('fixture');
  const fed: Fed = { packets: [], errors: [], end: undefined };
  chunks.forEach((c, chunk) => {
    for (const r of framer.push(c)) {
      if ('packet' in r) fed.packets.push({ ...r, chunk });
      else fed.errors.push(r);
    }
  });
  fed.end = framer.finish();
  return fed;
}

const perByte = (b: Buffer): Buffer[] => Array.from(b, (x) => Buffer.from([x]));

function threeWays(lines: HexLine[]): Array<[string, Buffer[]]> {
  const whole = Buffer.concat(lines.map((l) => l.bytes));
  return [
    ['whole', [whole]],
    ['per .hex line', lines.map((l) => l.bytes)],
    ['per byte', perByte(whole)],
  ];
}

function checkFrames(t: Test, fed: Fed, want: JsonFrame[]) {
  t.same(fed.errors, [], 'no frame errors');
  t.equal(fed.end, undefined, 'stream ends on a frame boundary');
  t.equal(fed.packets.length, want.length, 'frame count');
  let offset = 0;
  want.forEach((w, i) => {
    const got = fed.packets[i];
    if (!got) return;
    const p = got.packet;
    t.same(
      {
        cmd: p.command,
        checksum: p.checksum.toString(16).padStart(4, '0'),
        session: p.session.toString(16).padStart(4, '0'),
        reply: p.replyId,
        len: p.data.length,
      },
      { cmd: w.cmd, checksum: w.checksum, session: w.session_field, reply: w.reply_id, len: w.data_len },
      `frame ${i}: header`,
    );
    t.equal(p.data.length + 8, w.length_field, `frame ${i}: length field`);
    if (w.data_hex !== undefined) t.equal(p.data.toString('hex'), w.data_hex, `frame ${i}: data`);
    if (w.data_sha256 !== undefined) t.equal(sha256(p.data), w.data_sha256, `frame ${i}: data sha256`);
    t.equal(got.offset, offset, `frame ${i}: stream offset`);
    offset += 8 + w.length_field;
  });
}

/** With one push per .hex line, frame i completes in the line the json names as its last. */
function checkLines(t: Test, lines: HexLine[], want: JsonFrame[]) {
  const fed = feed(lines.map((l) => l.bytes));
  want.forEach((w, i) => {
    const got = fed.packets[i];
    if (!w.hex_lines || !got) return;
    t.equal(lines[got.chunk]?.line, w.hex_lines[1], `frame ${i} ends in .hex line ${w.hex_lines[1]}`);
    // and starts in the line the json names first
    let at = 0;
    const startLine = lines.find((l) => {
      at += l.bytes.length;
      return at > got.offset;
    })?.line;
    t.equal(startLine, w.hex_lines[0], `frame ${i} starts in .hex line ${w.hex_lines[0]}`);
  });
}

/** The chunk of a 1504 answer: PREPARE_DATA's length, then the DATA frames with that reply id, in order. */
function reassemble(packets: ZkPacket[], replyId: number): { announced: number; data: Buffer } {
  const prep = packets.find((p) => p.command === Command.PREPARE_DATA && p.replyId === replyId);
  if (!prep) throw new Error('no PREPARE_DATA');
  const parts = packets.filter((p) => p.command === Command.DATA && p.replyId === replyId).map((p) => p.data);
  return { announced: decodePrepareData(prep.data).length, data: Buffer.concat(parts) };
}

const deviceLines = (name: string) => readHexFixture(name).filter((l) => l.dir === '<');

t.test('pyzk18-users70: 10 frames in 33 reads, 70 users', async (t) => {
  const json = readJsonFixture<{
    expected: {
      device_to_client_frames: JsonFrame[];
      bulk_data: {
        reply_id: number;
        bytes: number;
        sha256: string;
        dataset_length_prefix: number;
        record_size: number;
        record_count: number;
      };
      users: JsonUser[];
      published_order_decodes_to: { uids: number[] };
    };
  }>('pyzk18-users70');
  const lines = deviceLines('pyzk18-users70');
  t.equal(lines.length, 33);
  const want = json.expected.device_to_client_frames;
  for (const [how, chunks] of threeWays(lines)) {
    t.test(how, async (t) => {
      const fed = feed(chunks);
      checkFrames(t, fed, want);
      const bulk = json.expected.bulk_data;
      const { announced, data } = reassemble(
        fed.packets.map((p) => p.packet),
        bulk.reply_id,
      );
      t.equal(announced, bulk.bytes, 'PREPARE_DATA announces the chunk length');
      t.equal(data.length, bulk.bytes, 'DATA frames concatenate to it');
      t.equal(sha256(data), bulk.sha256);
      t.equal(data.readUInt32LE(0), bulk.dataset_length_prefix);
      t.equal(bulk.dataset_length_prefix, bulk.record_size * bulk.record_count);
      const users = decodeUserRecords(data.subarray(4));
      t.equal(users.length, 70);
      t.same(users, json.expected.users.map(fromJson), 'all 70 users as the json lists them');
    });
  }
  t.test('read boundaries match the json line numbers', async (t) => checkLines(t, lines, want));

  t.test('DATA session fields are a packet counter 0…5 (§9.4)', async (t) => {
    const fed = feed([Buffer.concat(lines.map((l) => l.bytes))]);
    t.same(
      fed.packets.filter((p) => p.packet.command === Command.DATA).map((p) => p.packet.session),
      [0, 1, 2, 3, 4, 5],
    );
  });

  t.test('published order: same frames and checksums, garbled users 4–11', async (t) => {
    const published = deviceLines('pyzk18-users70.published-order');
    const fed = feed(published.map((l) => l.bytes));
    // the ones'-complement checksum cannot see two swapped 256-byte reads (zk-tcp §3)
    t.same(fed.errors, []);
    t.same(
      fed.packets.map((p) => p.packet.checksum),
      want.map((w) => Number.parseInt(w.checksum, 16)),
    );
    const { data } = reassemble(
      fed.packets.map((p) => p.packet),
      json.expected.bulk_data.reply_id,
    );
    t.not(sha256(data), json.expected.bulk_data.sha256, 'the bulk data differs');
    t.same(
      decodeUserRecords(data.subarray(4)).map((u) => u.uid),
      json.expected.published_order_decodes_to.uids,
    );
  });
});

t.test('k20-pyzk-test: 1503 answered inline by CMD_DATA, 2 users', async (t) => {
  const json = readJsonFixture<{
    expected: { device_to_client_frames: JsonFrame[]; dataset_length_prefix: number; users: JsonUser[] };
  }>('k20-pyzk-test');
  const lines = deviceLines('k20-pyzk-test');
  const want = json.expected.device_to_client_frames;
  for (const [how, chunks] of threeWays(lines)) {
    t.test(how, async (t) => {
      const fed = feed(chunks);
      checkFrames(t, fed, want);
      const inline = fed.packets[2]?.packet;
      if (!inline) return t.fail('no DATA frame');
      t.equal(inline.command, Command.DATA);
      t.equal(inline.session, 0x2058, 'inline DATA carries the session id, not a counter');
      t.equal(inline.data.readUInt32LE(0), json.expected.dataset_length_prefix);
      t.same(decodeUserRecords(inline.data.subarray(4)), json.expected.users.map(fromJson));
    });
  }
  t.test('read boundaries match the json line numbers (DATA as 128 + 36)', async (t) =>
    checkLines(t, lines, want),
  );
});

t.test('pyzk-template-98d0: PREPARE_DATA, DATA 1008 + 236, ACK_OK; one read spans two frames', async (t) => {
  const json = readJsonFixture<{
    expected: {
      device_to_client_frames: JsonFrame[];
      bulk_data: { reply_id: number; bytes: number; sha256: string; head_hex: string };
    };
  }>('pyzk-template-98d0');
  const lines = deviceLines('pyzk-template-98d0');
  const want = json.expected.device_to_client_frames;
  for (const [how, chunks] of threeWays(lines)) {
    t.test(how, async (t) => {
      const fed = feed(chunks);
      checkFrames(t, fed, want);
      const bulk = json.expected.bulk_data;
      const { announced, data } = reassemble(
        fed.packets.map((p) => p.packet),
        bulk.reply_id,
      );
      t.equal(announced, bulk.bytes);
      t.equal(data.length, bulk.bytes);
      t.equal(sha256(data), bulk.sha256);
      t.equal(data.subarray(0, 16).toString('hex'), bulk.head_hex);
    });
  }
  t.test('read boundaries match the json line numbers', async (t) => checkLines(t, lines, want));
  t.test('the spanning read yields the end of DATA #0 and leaves the start of DATA #1 pending', async (t) => {
    const framer = new TcpFramer();
    const upTo16 = lines.filter((l) => l.line <= 16);
    const results = upTo16.flatMap((l) => framer.push(l.bytes));
    t.same(
      results.map((r) => ('packet' in r ? r.packet.command : 'error')),
      [Command.PREPARE_DATA, Command.DATA],
    );
    t.ok(framer.pending > 0, 'DATA #1 has begun');
  });
});

t.test('pyzk-sess6396: frame list', async (t) => {
  const json = readJsonFixture<{ expected: { line_6: JsonFrame & { users: JsonUser[] } } }>('pyzk-sess6396');
  const [sizes, users] = deviceLines('pyzk-sess6396');
  if (!sizes || !users) return t.fail('fixture lines missing');
  t.test('GET_FREE_SIZES as published (6 bytes short) is truncated', async (t) => {
    const fed = feed([sizes.bytes]);
    t.same(fed.packets, []);
    t.match(fed.end, { code: 'X05_FRAME', reason: 'truncated', offset: 0, command: Command.ACK_OK });
  });
  t.test('padded with the 6 dropped zero bytes it verifies', async (t) => {
    const fed = feed([sizes.bytes, Buffer.alloc(6)]);
    t.equal(fed.packets.length, 1);
    t.match(fed.packets[0]?.packet, { command: 2000, checksum: 0x15a3, session: 0x6396, replyId: 19 });
  });
  t.test('inline CMD_DATA: 7 users', async (t) => {
    for (const [how, chunks] of threeWays([users])) {
      const fed = feed(chunks);
      checkFrames(t, fed, [json.expected.line_6]);
      const data = fed.packets[0]?.packet.data;
      if (!data) return t.fail(`${how}: no DATA`);
      t.equal(data.readUInt32LE(0), 504, `${how}: 7 × 72`);
      t.same(decodeUserRecords(data.subarray(4)), json.expected.line_6.users.map(fromJson), how);
    }
  });
});

t.test('adrobinoga-f19-frames: every frame on its own, and the device frames concatenated', async (t) => {
  const json = readJsonFixture<{
    expected: { frames: Array<JsonFrame & { direction: string; hex_line: number }> };
  }>('adrobinoga-f19-frames');
  const lines = readHexFixture('adrobinoga-f19-frames');
  t.equal(lines.length, json.expected.frames.length);
  for (const w of json.expected.frames) {
    const line = lines.find((l) => l.line === w.hex_line);
    if (!line) {
      t.fail(`no line ${w.hex_line}`);
      continue;
    }
    t.equal(line.dir, w.direction);
    checkFrames(t, feed([line.bytes]), [w]);
  }
  const device = lines.filter((l) => l.dir === '<');
  for (const [how, chunks] of threeWays(device)) {
    t.test(`device frames, ${how}`, async (t) => {
      checkFrames(
        t,
        feed(chunks),
        json.expected.frames.filter((f) => f.direction === '<'),
      );
    });
  }
});

t.test('adrobinoga-f19-records: the 40-byte attendance record', async (t) => {
  const json = readJsonFixture<{
    expected: {
      attendance_40: {
        uid: number;
        user_id: string;
        verify: number;
        time: string;
        time_raw: string;
        punch: number;
        reserved_hex: string;
      };
    };
  }>('adrobinoga-f19-records');
  const raw = readHexFixture('adrobinoga-f19-records')[0]!.bytes;
  const want = json.expected.attendance_40;
  t.equal(raw.length, 40);
  t.same(decodeAttlogRecord(raw, 40), {
    uid: want.uid,
    userId: want.user_id,
    verify: want.verify,
    punch: want.punch,
    deviceTime: want.time.replace(' ', 'T'),
    workcode: 0,
  });
  t.equal(raw.readUInt32LE(27).toString(16), want.time_raw);
  t.equal(raw.subarray(32).toString('hex'), want.reserved_hex);
});

t.test('K40 three-frame chunk answer (vectors.md §7.4)', async (t) => {
  const prepare = hex('50 50 82 7d 10 00 00 00  dc 05 15 8a a0 6b 02 00  7c 00 00 00 f0 03 00 00');
  const data =
    hex(`50 50 82 7d 84 00 00 00  dd 05 94 26 00 00 02 00  78 00 00 00 40 d8 35 80 2f 33 01 00 d5 dc 01 00 df 23 01 00
    c9 01 02 00 cb 14 01 00 d1 26 02 00 e5 09 01 00 4b 4d 02 00 c3 fe 00 00 b1 73 02 00 85 f1 00 00 6d 99 02 00
    47 e4 00 00 29 bf 02 00 61 d9 00 00 a3 e5 02 00 19 d1 00 00 c7 0c 03 00 01 cc 00 00 5f 2c 03 00 d8 02 00 00
    18 00 00 00 16 00 00 00 0a 00 00 00 9a 19 00 00 01 34 03 00 f0 02 00 00 48 00 00 00 00 28 03 00`);
  const ack = hex('50 50 82 7d 08 00 00 00  d0 07 b1 f7 7c 00 02 00');
  const stream = Buffer.concat([prepare, data, ack]);
  const splits: Array<[string, Buffer[]]> = [
    ['whole', [stream]],
    ['one frame per read', [prepare, data, ack]],
    // the K40 sent its 140-byte DATA frame as 128 + 12 (zk-tcp §1)
    ['128 + 12 segments', [prepare, data.subarray(0, 128), Buffer.concat([data.subarray(128), ack])]],
    ['per byte', perByte(stream)],
  ];
  for (const [how, chunks] of splits) {
    const fed = feed(chunks);
    t.same(fed.errors, [], `${how}: no errors`);
    t.equal(fed.end, undefined);
    t.same(
      fed.packets.map(({ packet: p }) => [p.command, p.checksum, p.session, p.replyId, p.data.length]),
      [
        [1500, 0x8a15, 0x6ba0, 2, 8],
        [1501, 0x2694, 0x0000, 2, 124], // DATA: session field 0 (a counter)
        [2000, 0xf7b1, 0x007c, 2, 0], // ACK_OK: session field 0x7C = the chunk's byte count
      ],
      `${how}: frames`,
    );
    const { announced, data: chunk } = reassemble(
      fed.packets.map((p) => p.packet),
      2,
    );
    t.equal(chunk.length, announced, `${how}: DATA length = PREPARE_DATA length (124)`);
  }
});

t.test('multi-DATA chunk headers (vectors.md §7.5) are the fixture’s', async (t) => {
  const wantHeaders = [
    'dd05 d058 0000 1600',
    'dd05 20b6 0100 1600',
    'dd05 9a21 0200 1600',
    'dd05 3da9 0300 1600',
    'dd05 037d 0400 1600',
  ];
  const lastFrame = hex('5050827d0c000000 dd05 07fa 0500 1600 00000000');
  const fed = feed(deviceLines('pyzk18-users70').map((l) => l.bytes));
  const datas = fed.packets.filter((p) => p.packet.command === Command.DATA);
  t.equal(datas.length, 6);
  datas.slice(0, 5).forEach((d, i) => {
    const { packet: p } = d;
    const header = Buffer.alloc(8);
    header.writeUInt16LE(p.command, 0);
    header.writeUInt16LE(p.checksum, 2);
    header.writeUInt16LE(p.session, 4);
    header.writeUInt16LE(p.replyId, 6);
    t.same(header, hex(wantHeaders[i]!), `DATA #${i} header`);
    t.equal(p.data.length, 0x3f8 - 8, `DATA #${i}: envelope length 0x3F8`);
  });
  const last = datas[5];
  t.match(last?.packet, {
    command: 1501,
    checksum: 0xfa07,
    session: 5,
    replyId: 0x16,
    data: hex('00000000'),
  });
  // and the last frame alone, from vectors.md
  t.match(feed([lastFrame]).packets[0]?.packet, {
    command: 1501,
    checksum: 0xfa07,
    session: 5,
    replyId: 0x16,
  });
});
