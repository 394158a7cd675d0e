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
}

/** What `/status` answers and `x05-gateway status` prints. */
export interface StatusReport {
  site: string;
  at: string;
  store: { queued: number; store_mb: number; free_mb: number; disk_low: boolean };
  broker: { url: string; connected: boolean };
  publish: { published: number; in_flight: number };
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

const drift = (s: number | null) => (s === null ? '-' : `${s > 0 ? '+' : ''}${s}s`);

/** Plain text for a terminal: one line of site figures, then a row per device. */
export function formatStatus(r: StatusReport): string {
  const head = [
    `site ${r.site} at ${r.at}`,
    `broker ${r.broker.url} ${r.broker.connected ? 'connected' : 'DISCONNECTED'}; ` +
      `queued ${r.store.queued}, in flight ${r.publish.in_flight}, published ${r.publish.published}`,
    `store ${r.store.store_mb} MB, disk free ${r.store.free_mb} MB${r.store.disk_low ? ' — DISK LOW: new punches refused' : ''}`,
  ];
  if (r.push)
    head.push(`push: ${r.push.requests} requests, ${r.push.lines} lines, ${r.push.refused} refused`);
  const rows = [['DEVICE', 'STATE', 'LAST PUNCH', 'LAST SYNC', 'DRIFT', 'LAST ERROR']];
  for (const d of r.devices)
    rows.push([
      d.device,
      d.state,
      d.last_punch ?? '-',
      d.last_sync,
      `${drift(d.clock_offset_s)}${d.clock_warning ? ' !' : ''}`,
      d.error ?? '',
    ]);
  return `${head.join('\n')}\n\n${r.devices.length ? pad(rows) : 'no devices yet'}\n`;
}
