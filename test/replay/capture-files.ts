/** The committed captures in captures/ and their sidecars (see test/replay/record-captures.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { readConversations } from '../../protocol/pcap/index.js';
import { carriesRequests, type ZkConversation } from '../../src/replay/timeline.js';
import { repoPath } from '../helpers/repo.js';

export const CAPTURES_DIR = repoPath('captures/');

export interface Sidecar {
  file: string;
  scenario: string;
  /** null: no comm key on the terminal; '[redacted]': one was set (any key replays, AUTH is recorded). */
  comm_key: string | null;
  dataset: string;
  device: { serial: string };
  fault?: { dropAfterBytes: number };
  expected: {
    pull_exit_code: number;
    error_code?: string;
    serial: string;
    record_count: number;
    record_size?: number;
    dataset_bytes?: number;
    device_bytes?: number;
    auth?: boolean;
    /** Punches made at the terminal during the registered session, as the simulator was told to make them. */
    realtime_events?: DatasetRecord[];
  };
}

export interface DatasetRecord {
  userId: string;
  deviceTime: string;
  verify: number;
  punch: number;
}

export interface Capture {
  name: string;
  sidecar: Sidecar;
  bytes: Buffer;
  /** The recorded session: the TCP connection or UDP conversation that carried requests. */
  session: ZkConversation;
  /** The simulator's own log, in device order: what a full download must yield. */
  records: DatasetRecord[];
}

export function loadCaptures(): Capture[] {
  return readdirSync(CAPTURES_DIR)
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort()
    .map((f) => {
      const sidecar = JSON.parse(
        readFileSync(`${CAPTURES_DIR}${f.replace(/\.pcap(ng)?$/, '.json')}`, 'utf8'),
      ) as Sidecar;
      const bytes = readFileSync(`${CAPTURES_DIR}${f}`);
      const { tcp, udp } = readConversations(bytes, f);
      const session = [...tcp, ...udp].find(carriesRequests);
      if (!session) throw new Error(`${f}: no session with client requests`);
      const data = JSON.parse(readFileSync(`${CAPTURES_DIR}${sidecar.dataset}`, 'utf8')) as {
        records: Array<Partial<DatasetRecord> & { userId: string; deviceTime: string }>;
      };
      // the dataset file's defaults (src/sim/dataset-file.ts): verify 1, punch 0
      const records = data.records.map((r) => ({
        userId: r.userId,
        deviceTime: r.deviceTime,
        verify: r.verify ?? 1,
        punch: r.punch ?? 0,
      }));
      return { name: f, sidecar, bytes, session, records };
    });
}
