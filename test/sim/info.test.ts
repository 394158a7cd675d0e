import t, { type Test } from 'tap';
import {
  Command,
  decodeFreeSizes,
  decodeOptionAnswer,
  decodePackedTime,
  encodeOptionRequest,
  type WallTime,
} from '../../protocol/zk/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { silentLogger } from '../helpers/loggers.js';
import { RawClient } from './raw-client.js';

const naiveMs = (w: WallTime) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
const hostWallMs = (d = new Date()) =>
  Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds());

const sim = await startSimulator({
  serial: 'CKJW201960148',
  deviceName: 'Gate 2',
  platform: 'ZMM220_TFT',
  firmware: 'Ver 6.60 Apr 28 2020',
  mac: '00:17:61:B0:4C:D6',
  users: 50,
  records: 2000,
  clockOffsetS: 3600,
  logger: silentLogger(),
});
t.teardown(() => sim.stop());

async function session(t: Test): Promise<RawClient> {
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  return c;
}

t.test('OPTIONS_RRQ answers Name=Value\\0 and ACK_ERROR for unknown names', async (t) => {
  const c = await session(t);
  const expected: Record<string, string> = {
    '~SerialNumber': 'CKJW201960148',
    '~DeviceName': 'Gate 2',
    '~Platform': 'ZMM220_TFT',
    '~ZKFPVersion': '10',
    MAC: '00:17:61:B0:4C:D6',
  };
  for (const [name, value] of Object.entries(expected)) {
    const replyId = c.send(Command.OPTIONS_RRQ, encodeOptionRequest(name));
    const a = await c.next();
    t.match(a, { command: Command.ACK_OK, replyId, session: c.session }, name);
    t.equal(a.data.toString('latin1'), `${name}=${value}\0`);
  }
  // zkteco-js sends the name without its NUL (zk-tcp §7.1)
  const bare = await c.request(Command.OPTIONS_RRQ, Buffer.from('~SerialNumber', 'latin1'));
  t.same(decodeOptionAnswer(bare.data), { name: '~SerialNumber', value: 'CKJW201960148' });
  t.match(await c.request(Command.OPTIONS_RRQ, encodeOptionRequest('~NoSuchOption')), {
    command: Command.ACK_ERROR,
    data: Buffer.alloc(0),
  });
});

t.test('an empty serial is answered as on a SpeedFace-V5L (zk-tcp.md §15)', async (t) => {
  const blank = await startSimulator({ serial: '', users: 1, records: 1, logger: silentLogger() });
  t.teardown(() => blank.stop());
  const c = await RawClient.connect(blank.port, t);
  await c.connectSession();
  const a = await c.request(Command.OPTIONS_RRQ, encodeOptionRequest('~SerialNumber'));
  t.equal(a.data.toString('latin1'), '~SerialNumber=\0');
});

t.test('GET_VERSION answers the firmware string', async (t) => {
  const c = await session(t);
  const a = await c.request(Command.GET_VERSION);
  t.match(a, { command: Command.ACK_OK, replyId: c.replyId });
  t.equal(a.data.toString('latin1'), 'Ver 6.60 Apr 28 2020\0');
});

t.test('GET_FREE_SIZES: 80 bytes with counts, capacities and what remains (zk-tcp.md §8)', async (t) => {
  const c = await session(t);
  const a = await c.request(Command.GET_FREE_SIZES);
  t.equal(a.data.length, 80);
  t.match(decodeFreeSizes(a.data), {
    users: 50,
    records: 2000,
    admins: 1,
    passwords: 1,
    userCapacity: 10_000,
    recordCapacity: 100_000,
    usersRemaining: 10_000 - 50,
    recordsRemaining: 100_000 - 2000,
  });
  // node-zklib's getInfo reads the record count at 40 of the header-inclusive buffer
  t.equal(a.data.readUInt32LE(32), 2000);
});

t.test('GET_TIME is the device clock: host local wall time plus the offset', async (t) => {
  const c = await session(t);
  const a = await c.request(Command.GET_TIME);
  t.match(a, { command: Command.ACK_OK, replyId: c.replyId });
  const device = naiveMs(decodePackedTime(a.data.readUInt32LE(0)));
  t.ok(Math.abs(device - (hostWallMs() + 3600_000)) <= 2000, 'within 2 s of host + 1 h');
});

t.test('SET_TIME moves the device clock; an impossible date is refused', async (t) => {
  const c = await session(t);
  // 2024-03-15 08:30:45 packed (vectors.md §4)
  t.match(await c.request(Command.SET_TIME, Buffer.from('b5f95e2e', 'hex')), { command: Command.ACK_OK });
  const a = await c.request(Command.GET_TIME);
  const device = naiveMs(decodePackedTime(a.data.readUInt32LE(0)));
  t.ok(device - Date.UTC(2024, 2, 15, 8, 30, 45) <= 2000, 'reads back the time set');
  // zkteco-js pads SET_TIME to 32 bytes (zk-tcp §7)
  const padded = Buffer.alloc(32);
  padded.writeUInt32LE(777976245, 0);
  t.match(await c.request(Command.SET_TIME, padded), { command: Command.ACK_OK });
  // 2024-02-30 00:00 packs without error (vectors.md §4 trap)
  const feb30 = Buffer.alloc(4);
  feb30.writeUInt32LE(776563200, 0);
  t.match(await c.request(Command.SET_TIME, feb30), { command: Command.ACK_ERROR });
  t.ok(Math.abs(naiveMs(sim.device.clock.now()) - Date.UTC(2024, 2, 15, 8, 30, 45)) <= 2000);
});
