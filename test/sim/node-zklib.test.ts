/**
 * Third-party interop: node-zklib 1.3.0 (CommonJS) downloads everything from the simulator. It needs a few
 * ms between frames (zk-tcp §15), hence paceMs 5. It builds Dates in host local time, so the run pins
 * TZ to UTC and reads the Dates back with local getters: exactly the device's naive wall time.
 */
process.env.TZ = 'UTC';

import { createRequire } from 'node:module';
import t from 'tap';
import { Command, decodePackedTime, formatWallTime } from '../../protocol/zk/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { silentLogger } from '../helpers/loggers.js';

interface ZkAttendance {
  userSn: number;
  deviceUserId: string;
  recordTime: Date;
}
interface ZkUser {
  uid: number;
  role: number;
  password: string;
  name: string;
  cardno: number;
  userId: string;
}
interface ZkLib {
  createSocket(): Promise<void>;
  getInfo(): Promise<{ userCounts: number; logCounts: number; logCapacity: number }>;
  getAttendances(): Promise<{ data: ZkAttendance[]; err: Error | null }>;
  getUsers(): Promise<{ data: ZkUser[]; err: Error | null }>;
  executeCmd(command: number, data: string): Promise<Buffer>;
  disconnect(): Promise<void>;
}

const ZKLib = createRequire(import.meta.url)('node-zklib') as new (
  ip: string,
  port: number,
  timeout: number,
  inport: number,
) => ZkLib;

const pad = (n: number) => String(n).padStart(2, '0');
const localWall = (d: Date) =>
  `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

// node-zklib prints "ok tcp" on connect; keep the TAP stream clean
const log = console.log;
console.log = () => {};
t.teardown(() => {
  console.log = log;
});

for (const maxDataPayload of [65528, 1008]) {
  t.test(
    `node-zklib downloads every punch and user (DATA frames of up to ${maxDataPayload} bytes)`,
    async (t) => {
      const sim = await startSimulator({
        records: 5000,
        users: 50,
        seed: 3,
        paceMs: 5,
        maxDataPayload,
        logger: silentLogger(),
      });
      t.teardown(() => sim.stop());
      const zk = new ZKLib('127.0.0.1', sim.port, 10_000, 0);
      await zk.createSocket();

      // node-zklib 1.3.0 has no getTime(); its raw command path returns the answer without the envelope.
      // Asked first: node-zklib takes the next frame as the answer, without matching reply ids, so after a
      // bulk read it can pick up the chunk's trailing ACK_OK instead
      const time = await zk.executeCmd(Command.GET_TIME, '');
      t.equal(time.readUInt16LE(0), Command.ACK_OK);
      const deviceTime = Date.parse(`${formatWallTime(decodePackedTime(time.readUInt32LE(8)))}Z`);
      const expected = Date.parse(`${formatWallTime(sim.device.clock.now())}Z`);
      t.ok(Math.abs(deviceTime - expected) <= 2000, 'GET_TIME is the device clock');

      t.match(await zk.getInfo(), { userCounts: 50, logCounts: 5000, logCapacity: 100_000 });

      const attendances = await zk.getAttendances();
      t.equal(attendances.err, null);
      t.equal(attendances.data.length, 5000, 'every punch, across four 0xFFC0 chunks');
      t.same(
        attendances.data.map((a) => [a.userSn, a.deviceUserId, localWall(a.recordTime)]),
        sim.device.records.map((r) => [r.uid, r.userId, r.deviceTime]),
        'same (uid, user_id, time) in device log order',
      );

      const users = await zk.getUsers();
      t.equal(users.err, null);
      t.same(
        users.data.map((u) => [u.uid, u.role, u.password, u.name, u.cardno, u.userId]),
        sim.device.users.map((u) => [u.uid, u.privilege, u.password, u.name, u.card, u.userId]),
      );

      await zk.disconnect();
    },
  );
}
