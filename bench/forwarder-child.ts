/**
 * A forwarder in its own process for bench/confirm-loop.ts, as it runs in production (the cloud side, not
 * the gateway's machine): MQTT → dry-run batching writer → confirmations. Reports its counts to the parent
 * over IPC every 10 ms; stops on the message 'stop'.
 * argv: broker URL, client id (also the share group), topic.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startForwarder } from '../src/forwarder/forwarder.js';
import { dryRunWriter } from '../src/frappe/dry-run-writer.js';

const [brokerUrl, clientId, topic] = process.argv.slice(2) as [string, string, string];
const discard = new Writable({
  write(_chunk, _encoding, cb) {
    cb();
  },
});
const forwarder = await startForwarder({
  brokerUrl,
  clientId,
  shareGroup: clientId,
  topic,
  // the session ends with the connection: a stopped run's share group must not queue the next run's punches
  sessionExpiryS: 0,
  writer: dryRunWriter({ url: 'http://frappe.invalid', siteTimezone: 'Asia/Kolkata', out: discard }),
  logger: pino({ level: 'silent' }),
  unmappedRetryS: 0,
  retireAfterMs: 0,
});
const report = () => {
  const { acked, deadLettered, confirmed } = forwarder.stats;
  process.send?.({ acked, deadLettered, confirmed });
};
const timer = setInterval(report, 10);
report();
process.on('message', async (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  report();
  await forwarder.stop();
  process.exit(0);
});
