import { connect as tcpConnect } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import t from 'tap';
import { type BrokerTls, startForwarder } from '../../src/forwarder/index.js';
import { FrappeBatchWriter, FrappeClient } from '../../src/frappe/index.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { makePki } from '../helpers/pki.js';
import { publishPunches } from '../helpers/publish-punches.js';
import { standinFor } from '../helpers/standin-forwarder.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: 'silent' });

t.test(
  'MQTT over TLS with a test CA and a client certificate; a wrong CA or no certificate is refused',
  async (t) => {
    const p = makePki(tempDir(t, 'x05-tls-'));
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    // the broker's TLS listener: a TLS terminator in front of Mosquitto that requires a client certificate
    const front = createServer(
      { cert: p.serverCert, key: p.serverKey, ca: p.ca, requestCert: true, rejectUnauthorized: true },
      (sock: TLSSocket) => {
        const back = tcpConnect(broker.port, '127.0.0.1');
        sock.pipe(back).pipe(sock);
        sock.on('error', () => back.destroy());
        back.on('error', () => sock.destroy());
      },
    );
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    t.teardown(() => front.close());
    const url = `mqtts://127.0.0.1:${(front.address() as { port: number }).port}`;
    const site = await standinFor(t, [{ userId: '1' }], { timeZone: 'UTC' });
    const start = (tls: BrokerTls, id: string) =>
      startForwarder({
        brokerUrl: url,
        tls,
        clientId: id,
        shareGroup: 'tls',
        topic: 'x05/v1/tls/+/punch',
        sessionExpiryS: 60,
        writer: new FrappeBatchWriter({
          client: new FrappeClient({ url: site.url, apiKey: 'k', apiSecret: 's' }),
          siteTimezone: 'UTC',
        }),
        logger,
      });

    await t.rejects(
      start({ ca: p.otherCa, cert: p.clientCert, key: p.clientKey }, 'tls-wrong-ca'),
      { code: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/ },
      'a broker certificate from another CA is refused',
    );
    await t.rejects(
      start({ ca: p.ca }, 'tls-no-cert'),
      { code: /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|ECONNRESET/ },
      'without a client certificate the broker refuses',
    );

    const f = await start({ ca: p.ca, cert: p.clientCert, key: p.clientKey }, 'tls-ok');
    const publisher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'tls-publisher' });
    t.teardown(() => publisher.endAsync());
    await publishPunches(publisher, 'tls', 5);
    await until('5 acked over TLS', () => f.stats.acked === 5, 15_000);
    await f.stop();
    t.equal(site.checkins.length, 5);
  },
);
