/** One terminal in the gateway's status (design.md device status, plus what the store saw). */
export interface DeviceReport {
  device: string;
  state: 'online' | 'error';
  last_sync: string;
  clock_offset_s: number | null;
  clock_warning?: boolean;
  /** Newest punch stored from it, device wall time. */
  last_punch?: string;
  error?: string;
  /** Its punches not yet confirmed by the forwarder, and how long the oldest of them has waited. */
  unconfirmed?: number;
  oldest_unconfirmed_s?: number;
}

/** Punches the forwarder has not confirmed yet (queued or sent), for one device or the whole site. */
export interface UnconfirmedFigures {
  count: number;
  /** Seconds since the oldest of them was stored; 0 when there is none. */
  oldest_s: number;
}

/** Per device and in all, from the store's per-device counts and oldest stored-at times. */
export function unconfirmedFigures(
  devices: ReadonlyArray<{ device: string; count: number; oldestStoredAt: number | undefined }>,
  nowMs: number,
): UnconfirmedFigures & { devices: Array<UnconfirmedFigures & { device: string }> } {
  const rows = devices.map((d) => ({
    device: d.device,
    count: d.count,
    oldest_s: d.oldestStoredAt === undefined ? 0 : Math.max(0, Math.round((nowMs - d.oldestStoredAt) / 1000)),
  }));
  return {
    count: rows.reduce((n, d) => n + d.count, 0),
    oldest_s: rows.reduce((m, d) => Math.max(m, d.oldest_s), 0),
    devices: rows,
  };
}

/** While the store's writes fail: the first failed write's error, since when, how many failed or were refused. */
export interface WriteErrorReport {
  error: string;
  since: string;
  failures: number;
}

/** What `/status` answers and `x05-gateway status` prints. */
export interface StatusReport {
  site: string;
  at: string;
  store: {
    queued: number;
    store_mb: number;
    free_mb: number;
    disk_low: boolean;
    /** Present only while LevelDB writes fail and the store has not reopened yet. */
    write_error?: WriteErrorReport;
  };
  broker: { url: string; connected: boolean };
  publish: { published: number; in_flight: number };
  /**
   * The confirmation loop: punches not yet confirmed (queued + sent), the oldest one's wait, what the
   * broker acknowledged and awaits confirmation, resends, and confirmations taken or ignored.
   */
  confirm?: UnconfirmedFigures & {
    sent: number;
    resent: number;
    no_subscriber: number;
    confirmed: number;
    ignored: number;
  };
  devices: DeviceReport[];
  push?: { requests: number; refused: number; lines: number };
}

const pad = (rows: string[][]): string => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

/** 42s, 17m, 5h, 3d: how long the oldest unconfirmed punch has waited. */
const age = (s: number) =>
  s < 120
    ? `${s}s`
    : s < 7200
      ? `${Math.round(s / 60)}m`
      : s < 172_800
        ? `${Math.round(s / 3600)}h`
        : `${Math.round(s / 86_400)}d`;

const drift = (s: number | null) => (s === null ? '-' : `${s > 0 ? '+' : ''}${s}s`);

/** Plain text for a terminal: one line of site figures, then a row per device. */
export function formatStatus(r: StatusReport): string {
  const head = [
    `site ${r.site} at ${r.at}`,
    `broker ${r.broker.url} ${r.broker.connected ? 'connected' : 'DISCONNECTED'}; ` +
      `queued ${r.store.queued}, in flight ${r.publish.in_flight}, published ${r.publish.published}`,
    `store ${r.store.store_mb} MB, disk free ${r.store.free_mb} MB${r.store.disk_low ? ' — DISK LOW: new punches refused' : ''}`,
  ];
  const w = r.store.write_error;
  if (w)
    head.push(
      `STORE WRITES FAILING since ${w.since} (${w.failures} failed or refused): ${w.error} — new punches are refused and stay at their source until the store reopens by itself`,
    );
  if (r.confirm)
    head.push(
      `unconfirmed ${r.confirm.count} (oldest ${age(r.confirm.oldest_s)}), of which ${r.confirm.sent} sent and awaiting confirmation; resent ${r.confirm.resent}, confirmed ${r.confirm.confirmed}` +
        (r.confirm.ignored ? `, confirmations ignored ${r.confirm.ignored}` : '') +
        (r.confirm.no_subscriber ? `; broker had no subscriber ${r.confirm.no_subscriber} times` : ''),
    );
  if (r.push)
    head.push(`push: ${r.push.requests} requests, ${r.push.lines} lines, ${r.push.refused} refused`);
  const rows = [['DEVICE', 'STATE', 'LAST PUNCH', 'LAST SYNC', 'DRIFT', 'UNCONFIRMED', 'LAST ERROR']];
  for (const d of r.devices)
    rows.push([
      d.device,
      d.state,
      d.last_punch ?? '-',
      d.last_sync,
      `${drift(d.clock_offset_s)}${d.clock_warning ? ' !' : ''}`,
      d.unconfirmed ? `${d.unconfirmed} (${age(d.oldest_unconfirmed_s ?? 0)})` : '0',
      d.error ?? '',
    ]);
  return `${head.join('\n')}\n\n${r.devices.length ? pad(rows) : 'no devices yet'}\n`;
}
