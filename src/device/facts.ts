import type { RecordError } from '../../protocol/errors.js';
import type { FreeSizes } from '../../protocol/zk/free-sizes.js';
import type { UserRecord } from '../../protocol/zk/user-record.js';
import { identify, type PullOptions, sessionOptions } from './pull.js';
import type { DeviceSession } from './session.js';
import { DeviceSession as Session } from './session.js';

/** What a terminal says about itself (zk-tcp §7.1, §8): identity, firmware, counts and capacities. */
export interface DeviceFacts {
  serial: string;
  firmware: string;
  platform: string;
  deviceName: string;
  mac: string;
  sizes: FreeSizes;
}

/** An option that some firmware lacks (ACK_ERROR) reads as ''. */
async function optionOrEmpty(session: DeviceSession, name: string): Promise<string> {
  return session.option(name).catch((err: unknown) => {
    if ((err as { code?: string }).code === 'X05_REFUSED') return '';
    throw err;
  });
}

export async function readFacts(session: DeviceSession, label: string): Promise<DeviceFacts> {
  const serial = await identify(session, label);
  const firmware = await session.firmware().catch(() => '');
  const platform = await optionOrEmpty(session, '~Platform');
  const deviceName = await optionOrEmpty(session, '~DeviceName');
  const mac = await optionOrEmpty(session, 'MAC');
  const sizes = await session.freeSizes();
  return { serial, firmware, platform, deviceName, mac, sizes };
}

export interface UserList {
  facts: DeviceFacts;
  recordSize: 28 | 72;
  users: UserRecord[];
  rejected: RecordError[];
}

/** Connect, read the facts and the user table, leave (`x05-gateway users`). */
export async function readUsers(opts: Omit<PullOptions, 'site' | 'timezone'>): Promise<UserList> {
  const label = opts.label ?? `${opts.host}:${opts.port}`;
  const session = await Session.open(sessionOptions({ ...opts, site: '', timezone: 'UTC' }, label));
  try {
    const facts = await readFacts(session, label);
    const table = await session.users(facts.sizes.users);
    await session.exit();
    return { facts, recordSize: table.recordSize, users: table.users, rejected: table.rejected };
  } catch (err) {
    session.close();
    throw err;
  }
}
