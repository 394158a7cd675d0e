/** Device facts and the user list in both layouts (zk-tcp §7.1, §8, §13), and `x05-gateway users`. */
import { pino } from 'pino';
import t from 'tap';
import { decodeUserTable, inferUserRecordSize } from '../../protocol/zk/user-record-28.js';
import { readUsers } from '../../src/device/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { bytes, chars, hex, u8, u16, u32 } from '../helpers/zk-bytes.js';

const logger = pino({ level: 'silent' });

for (const userRecordSize of [72, 28] as const) {
  t.test(`${userRecordSize}-byte user records: every user as the terminal holds it`, async (t) => {
    const sim = await startSimulator({
      users: 120,
      records: 10,
      userRecordSize,
      serial: `USR-${userRecordSize}`,
      firmware: 'Ver 6.60 May 19 2023',
      platform: 'AK3750WIFI_TFT',
      deviceName: 'Gate 3',
      commKey: 808,
      logger,
    });
    t.teardown(() => sim.stop());
    const list = await readUsers({ host: sim.host, port: sim.port, timeoutMs: 5000, commKey: 808 });
    t.equal(list.recordSize, userRecordSize);
    t.same(list.users, sim.device.users);
    t.match(list.facts, {
      serial: `USR-${userRecordSize}`,
      firmware: 'Ver 6.60 May 19 2023',
      platform: 'AK3750WIFI_TFT',
      deviceName: 'Gate 3',
      sizes: { users: 120, records: 10, userCapacity: 10000 },
    });
  });
}

t.test('28-byte record from the builder (manual TUser layout)', async (t) => {
  const rec = bytes(
    u16(13),
    u8(6),
    chars('444', 5),
    chars('Ned', 8),
    u32(0xde),
    u8(0),
    u8(2),
    u16(1),
    u32(555),
  );
  t.equal(rec.length, 28);
  const d = decodeUserTable(rec);
  t.equal(d.recordSize, 28);
  t.same(d.users, [
    { uid: 13, privilege: 6, password: '444', name: 'Ned', card: 0xde, group: 2, userId: '555' },
  ]);
});

t.test('layout inference: count first, then 72 when it divides', async (t) => {
  t.equal(inferUserRecordSize(72 * 7, 7), 72);
  t.equal(inferUserRecordSize(28 * 18, 18), 28, '504 bytes divide by both; the count decides');
  t.equal(inferUserRecordSize(28 * 18), 72, 'no count: the TCP default');
  t.equal(inferUserRecordSize(28 * 5), 28);
  // an AK3750 fingerprint slot (privilege 0x31, no name) is not a user
  const slot = Buffer.alloc(72);
  slot[2] = 0x31;
  const ned = hex(`0d 00 00 34 34 34 00 c6 9a 80 7c 4e 65 64 00 00
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 de 00 00 00 02 01 00 01 00 02 00 00 00
    35 35 35 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00`);
  t.match(decodeUserTable(Buffer.concat([slot, ned]), 2).users, [{ uid: 13, name: 'Ned', userId: '555' }]);
});

t.test('x05-gateway users --host H prints the list', async (t) => {
  const sim = await startSimulator({ users: 5, records: 1, logger });
  t.teardown(() => sim.stop());
  const r = await runCli(['users', '--host', sim.host, '--port', String(sim.port), '--json']);
  t.equal(r.code, 0, r.output);
  const lines = r.output.split('\n').filter((l) => l.startsWith('{"uid"'));
  t.equal(lines.length, 5);
  t.notMatch(r.output, /"password"/, 'passwords are never printed');
});

t.test('x05-gateway users prints the terminal facts on stdout, then the table', async (t) => {
  const sim = await startSimulator({ users: 5, records: 3, serial: 'SIM-FACTS', logger });
  t.teardown(() => sim.stop());
  const r = await runCli(['users', '--host', sim.host, '--port', String(sim.port)]);
  t.equal(r.code, 0, r.output);
  const [facts, counts, blank, header, ...rows] = r.stdout.trimEnd().split('\n');
  t.match(facts, /^terminal SIM-FACTS {2}firmware \S.* {2}platform .* {2}MAC /);
  t.match(counts, /^users 5 of [\d,]+ {2}fingerprints .* {2}records 3 of [\d,]+ {2}user record 72 bytes$/);
  t.equal(blank, '');
  t.equal(header, 'uid\tuser_id\tname\tprivilege\tcard\tgroup');
  t.equal(rows.length, 5);
  t.notMatch(r.output, /"msg":"terminal facts"/, 'said once, on stdout');
});
