import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import t from 'tap';
import { startForwarderFromConfig } from '../../src/app/forwarder.js';
import { CloudConfigSchema } from '../../src/config/schema.js';
import { capturingLogger } from '../helpers/loggers.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { makePki } from '../helpers/pki.js';
import { publishPunches } from '../helpers/publish-punches.js';
import { standinFor } from '../helpers/standin-forwarder.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

t.test(
  'HTTPS to Frappe behind a private CA: without frappe.ca_file a clear TLS error and nothing acked; with it every punch lands',
  async (t) => {
    const pki = makePki(tempDir(t, 'x05-fwd-https-'));
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const site = await standinFor(t, [{ userId: '1' }], {
      timeZone: 'UTC',
      tls: { cert: pki.serverCert, key: pki.serverKey },
    });
    const config = (frappe: Record<string, unknown>) =>
      CloudConfigSchema.parse({
        // the same client id both times: the broker keeps the unacknowledged punches for it
        broker: { url: broker.url, client_id: 'https-fwd', session_expiry_s: 300 },
        share_group: 'https',
        topic: 'x05/v1/https/+/punch',
        frappe: { url: site.url, api_key: 'k', api_secret: 's', site_timezone: 'UTC', ...frappe },
      });

    const without = capturingLogger('warn');
    const blind = await startForwarderFromConfig(config({}), without.logger);
    const publisher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'https-publisher' });
    t.teardown(() => publisher.endAsync());
    await publishPunches(publisher, 'https', 5);
    const unavailable = (l: { msg?: unknown; err?: unknown }) =>
      Boolean(l.err) && /Frappe unavailable/.test(String(l.msg));
    await until('the TLS failure logged', () => without.lines.some(unavailable), 15_000);
    const logged = without.lines.find(unavailable)!;
    t.match(logged, {
      msg: /Frappe unavailable; punches stay unacknowledged/,
      err: {
        type: 'FrappeTlsError',
        code: 'X05_FRAPPE',
        url: site.url,
        tlsCode: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/,
        message: /not trusted .*set frappe\.ca_file/,
      },
    });
    t.equal(blind.stats.received, 5);
    t.equal(blind.stats.acked, 0, 'nothing acknowledged');
    t.equal(site.requests.length, 0, 'no request reached Frappe');
    await blind.stop();

    const fixed = await startForwarderFromConfig(
      config({ ca_file: pki.files.ca }),
      pino({ level: 'silent' }),
    );
    await until('5 acked over HTTPS', () => fixed.stats.acked === 5, 15_000);
    await fixed.stop();
    t.equal(site.checkins.length, 5, 'every punch became one Checkin');
    t.equal(site.rawLogs.filter((l) => l.status === 'Synced').length, 5);
  },
);
