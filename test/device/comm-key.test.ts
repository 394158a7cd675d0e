/** Comm-key login (zk-tcp §5) against the simulator and a scripted terminal; AuthError, never a hang. */
import { pino } from 'pino';
import t from 'tap';
import { makeCommKey } from '../../protocol/zk/comm-key.js';
import { Command } from '../../protocol/zk/commands.js';
import { pullDevice } from '../../src/device/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { scriptedDevice } from '../helpers/scripted-device.js';
import { frame, hex } from '../helpers/zk-bytes.js';
import { RawClient } from '../sim/raw-client.js';

const logger = pino({ level: 'silent' });

const pull = (port: number, commKey?: number, timeoutMs = 3000) =>
  pullDevice({
    host: '127.0.0.1',
    port,
    site: 'hq',
    timezone: 'UTC',
    timeoutMs,
    label: 'gate-2',
    ...(commKey === undefined ? {} : { commKey }),
  });

t.test('the right key logs in and the whole log comes down', async (t) => {
  const sim = await startSimulator({ records: 300, commKey: 123456, serial: 'KEYED-1', logger });
  t.teardown(() => sim.stop());
  const r = await pull(sim.port, 123456);
  t.equal(r.serial, 'KEYED-1');
  t.equal(r.events.length, 300);
});

t.test('a wrong key is an AuthError naming the device', async (t) => {
  const sim = await startSimulator({ records: 10, commKey: 123456, logger });
  t.teardown(() => sim.stop());
  await t.rejects(pull(sim.port, 654321), {
    name: 'AuthError',
    code: 'X05_REFUSED',
    reason: 'wrong-key',
    device: 'gate-2',
    command: Command.AUTH,
  });
});

t.test('no key configured for a keyed terminal: AuthError key-required', async (t) => {
  const sim = await startSimulator({ records: 10, commKey: 1, logger });
  t.teardown(() => sim.stop());
  await t.rejects(pull(sim.port), {
    name: 'AuthError',
    reason: 'key-required',
    device: 'gate-2',
    command: Command.CONNECT,
  });
});

t.test('a key configured for a terminal without one is harmless (AUTH is never sent)', async (t) => {
  const sim = await startSimulator({ records: 5, logger });
  t.teardown(() => sim.stop());
  t.equal((await pull(sim.port, 42)).events.length, 5);
});

t.test('the AUTH bytes on the wire are those of vectors.md §3 (key 123456, session 0x7D3D)', async (t) => {
  let auth: Buffer | undefined;
  const port = await scriptedDevice(t, (p, s) => {
    if (p.command === Command.CONNECT)
      s.write(frame({ command: Command.ACK_UNAUTH, session: 0x7d3d, replyId: p.replyId }));
    else if (p.command === Command.AUTH) {
      auth = frame({ command: p.command, session: p.session, replyId: p.replyId, data: p.data });
      s.write(frame({ command: Command.ACK_UNAUTH, session: 0x7d3d, replyId: p.replyId }));
    }
  });
  await t.rejects(pull(port, 123456), { name: 'AuthError', reason: 'wrong-key' });
  t.same(auth, hex('50 50 82 7d 0c 00 00 00  4e 04 1a 7b 3d 7d 01 00  26 7f 32 84'));
});

t.test('a terminal that never answers AUTH: a timeout naming AUTH, not a hang', async (t) => {
  const port = await scriptedDevice(t, (p, s) => {
    if (p.command === Command.CONNECT)
      s.write(frame({ command: Command.ACK_UNAUTH, session: 9, replyId: p.replyId }));
  });
  await t.rejects(pull(port, 5, 500), { code: 'X05_TIMEOUT', device: 'gate-2', command: Command.AUTH });
});

t.test('the simulator refuses every other command before AUTH', async (t) => {
  const sim = await startSimulator({ records: 5, commKey: 77, logger });
  t.teardown(() => sim.stop());
  const c = await RawClient.connect(sim.port, t);
  const ans = await c.request(Command.CONNECT);
  t.equal(ans.command, Command.ACK_UNAUTH, 'CONNECT answers ACK_UNAUTH');
  t.not(ans.session, 0, 'with the session id');
  c.session = ans.session;
  t.equal((await c.request(Command.GET_FREE_SIZES)).command, Command.ACK_UNAUTH, 'no data before login');
  t.equal(
    (await c.request(Command.AUTH, makeCommKey(77, c.session))).command,
    Command.ACK_OK,
    'the right MakeKey logs in',
  );
  t.equal((await c.request(Command.GET_FREE_SIZES)).command, Command.ACK_OK, 'then data flows');
});
