import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { AttlogRecord } from '../../protocol/zk/attlog-record.js';
import { parseWallTime, wallTimeProblem } from '../../protocol/zk/time.js';
import type { UserRecord } from '../../protocol/zk/user-record.js';
import { ConfigError } from '../config/index.js';

// 23 printable characters leave room for the NUL of the 24-byte user_id field (zk-tcp §11.2)
const userId = z.string().regex(/^[\x21-\x7e]{1,23}$/, '1–23 printable ASCII characters');
const u8 = z.number().int().min(0).max(255);
const u32 = z.number().int().min(0).max(0xffffffff);

const deviceTime = z.string().refine(
  (s) => {
    const w = parseWallTime(s);
    return w !== undefined && !wallTimeProblem(w) && w.year >= 2000 && w.year <= 2099;
  },
  { message: 'not a real wall time YYYY-MM-DDTHH:MM:SS in 2000…2099' },
);

const UserSchema = z
  .object({
    uid: z.number().int().min(1).max(65535).optional(),
    userId,
    name: z.string().max(24).default(''),
    privilege: u8.default(0),
    password: z.string().max(8).default(''),
    card: u32.default(0),
    group: u8.default(1),
  })
  .strict();

const RecordSchema = z
  .object({ userId, deviceTime, verify: u8.default(1), punch: u8.default(0), workcode: u32.default(0) })
  .strict();

/**
 * `{ "users": [{ "userId": "1001", "name": "Asha K." }], "records": [{ "userId": "1001",
 * "deviceTime": "2024-03-15T08:30:45", "verify": 1, "punch": 0 }] }`. Records keep the file's order (the
 * device log order); a user only named by records is added without a name.
 */
const DatasetFileSchema = z
  .object({ users: z.array(UserSchema).default([]), records: z.array(RecordSchema).default([]) })
  .strict();

export interface SimDataset {
  users: UserRecord[];
  records: AttlogRecord[];
}

const keyPath = (path: readonly PropertyKey[]) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');

export async function loadDatasetFile(file: string): Promise<SimDataset> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, '', `cannot read JSON: ${(err as Error).message}`);
  }
  const parsed = DatasetFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(file, keyPath(issue.path), issue.message);
  }
  const byId = new Map<string, UserRecord>();
  const uids = new Set<number>();
  let nextUid = Math.max(0, ...parsed.data.users.map((u) => u.uid ?? 0)) + 1;
  const add = (u: Omit<UserRecord, 'uid'> & { uid?: number | undefined }, key: string) => {
    if (byId.has(u.userId)) throw new ConfigError(file, key, `user ${u.userId} listed twice`);
    const user = { ...u, uid: u.uid ?? nextUid++ };
    if (uids.has(user.uid) || user.uid > 65535)
      throw new ConfigError(file, key, `uid ${user.uid} is taken or above 65535`);
    uids.add(user.uid);
    byId.set(u.userId, user);
    return user;
  };
  parsed.data.users.forEach((u, i) => {
    add(u, `users[${i}].userId`);
  });
  const records = parsed.data.records.map((r) => {
    const user =
      byId.get(r.userId) ??
      add({ userId: r.userId, name: '', privilege: 0, password: '', card: 0, group: 1 }, 'records');
    return { ...r, uid: user.uid };
  });
  return { users: [...byId.values()], records };
}
