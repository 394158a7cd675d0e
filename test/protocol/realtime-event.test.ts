/** EF_ATTLOG payloads of every length in zk-tcp §12, from vectors.md §6 and the independent builder. */
import t from 'tap';
import { Command } from '../../protocol/zk/commands.js';
import {
  decodeRealtimeAttlog,
  EventFlag,
  encodeEventMask,
  encodeRealtimeAttlog,
} from '../../protocol/zk/realtime-event.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { bytes, chars, hex, u8, u16, u32 } from '../helpers/zk-bytes.js';

const time6 = hex('18 03 0f 08 1e 2d'); // 2024-03-15 08:30:45 (vectors.md §4)

t.test('real F19 event frame (vectors.md §6.1): framed, routed and decoded', async (t) => {
  const wire = hex(`50 50 82 7d 28 00 00 00  f4 01 ac 12 01 00 00 00
    39 39 39 31 31 31 33 33  33 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00  01 00 12 06 19 11 29 05`);
  const [r] = new TcpFramer().push(wire);
  if (!r || 'error' in r) throw new Error('frame expected');
  t.match(r.packet, { command: Command.REG_EVENT, session: EventFlag.ATTLOG, replyId: 0 });
  t.match(decodeRealtimeAttlog(r.packet.data), {
    layout: 32,
    userId: '999111333',
    verify: 1,
    punch: 0,
    deviceTime: '2018-06-25T17:41:05',
  });
});

t.test('12-byte pyzk fixture (vectors.md §6.3)', async (t) => {
  const data = hex('f1 94 49 00  00  00  12 0c 07 13 09 06');
  t.match(decodeRealtimeAttlog(data), {
    layout: 12,
    userId: '4822257',
    verify: 0,
    punch: 0,
    deviceTime: '2018-12-07T19:09:06',
  });
});

const cases: Array<{ name: string; data: Buffer; layout: number | string; userId: string }> = [
  { name: '10 bytes: u16 user', data: bytes(u16(1001), u8(15), u8(1), time6), layout: 10, userId: '1001' },
  { name: '12 bytes: u32 user', data: bytes(u32(70000), u8(15), u8(1), time6), layout: 12, userId: '70000' },
  {
    name: '14 bytes: u16 user + 4',
    data: bytes(u16(1001), u8(15), u8(1), time6, u32(0xdeadbeef)),
    layout: 14,
    userId: '1001',
  },
  { name: '32 bytes', data: bytes(chars('1001', 24), u8(15), u8(1), time6), layout: 32, userId: '1001' },
  {
    name: '36 bytes (workcode?)',
    data: bytes(chars('A-77', 24), u8(15), u8(1), time6, u32(5)),
    layout: 36,
    userId: 'A-77',
  },
  {
    name: '37 bytes',
    data: bytes(chars('1001', 24), u8(15), u8(1), time6, new Uint8Array(5)),
    layout: 37,
    userId: '1001',
  },
  {
    name: '52 bytes',
    data: bytes(chars('1001', 24), u8(15), u8(1), time6, new Uint8Array(20)),
    layout: 52,
    userId: '1001',
  },
  {
    name: '60 bytes (≥ 52)',
    data: bytes(chars('1001', 24), u8(15), u8(1), time6, new Uint8Array(28)),
    layout: 52,
    userId: '1001',
  },
  {
    name: '40 bytes (unknown: 32-byte prefix)',
    data: bytes(chars('1001', 24), u8(15), u8(1), time6, new Uint8Array(8)),
    layout: 'prefix32',
    userId: '1001',
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const e = decodeRealtimeAttlog(c.data);
    t.match(e, {
      layout: c.layout,
      userId: c.userId,
      verify: 15,
      punch: 1,
      deviceTime: '2024-03-15T08:30:45',
    });
    t.same(e.raw, c.data, 'raw payload kept');
    if (typeof c.layout === 'number' && c.data.length === c.layout) {
      t.same(
        encodeRealtimeAttlog(e, c.layout as 10 | 12 | 14 | 32 | 36 | 37 | 52).subarray(
          0,
          c.layout >= 32 ? 32 : 10,
        ),
        c.data.subarray(0, c.layout >= 32 ? 32 : 10),
        'encoder writes the same fields',
      );
    }
  });
}

t.test('computed 32-byte event (vectors.md §6.2) from the encoder', async (t) => {
  const data = encodeRealtimeAttlog(
    { userId: '1001', verify: 15, punch: 1, deviceTime: '2024-03-15T08:30:45' },
    32,
  );
  t.same(
    data,
    hex(`31 30 30 31 00 00 00 00  00 00 00 00 00 00 00 00
         00 00 00 00 00 00 00 00  0f 01 18 03 0f 08 1e 2d`),
  );
});

t.test('punch 255 ("no state") is kept as is', async (t) => {
  t.equal(decodeRealtimeAttlog(bytes(chars('7', 24), u8(1), u8(255), time6)).punch, 255);
});

t.test('bad payloads are typed RecordErrors, never a crash', async (t) => {
  t.throws(() => decodeRealtimeAttlog(hex('01 02 03')), { code: 'X05_RECORD', offset: 0 });
  t.throws(() => decodeRealtimeAttlog(Buffer.alloc(20)), { code: 'X05_RECORD' });
  t.equal(
    decodeRealtimeAttlog(bytes(chars('1001', 24), u8(1), u8(0), hex('18 02 1e 00 00 00'))).deviceTime,
    '2024-02-30T00:00:00',
    'Feb 30 is kept as the terminal sent it (judged implausible downstream)',
  );
  t.throws(
    () => decodeRealtimeAttlog(bytes(chars('1001', 24), u8(1), u8(0), hex('18 c8 01 00 00 00'))),
    { code: 'X05_RECORD', offset: 26 },
    'month 200 has no shape of a time',
  );
  t.throws(() => decodeRealtimeAttlog(bytes(chars('', 24), u8(1), u8(0), time6)), { code: 'X05_RECORD' });
});

t.test('REG_EVENT mask bytes (vectors.md §6.6)', async (t) => {
  t.same(encodeEventMask(EventFlag.ATTLOG), hex('01 00 00 00'));
});
