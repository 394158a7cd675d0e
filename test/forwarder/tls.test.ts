import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import t from 'tap';
import { encodePunchEvent, makePunchEvent } from '../../src/event/index.js';
import { type BrokerTls, startForwarder } from '../../src/forwarder/index.js';
import { FrappeBatchWriter, FrappeClient } from '../../src/frappe/index.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'x05-tls-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made by the openssl binary. */
function pki(): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCa', Buffer> {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const subj = (cn: string) => ['-subj', `/CN=${cn}`];
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    ...subj('x05 test CA'),
  );
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    'other.key',
    '-out',
    'other.crt',
    ...subj('other CA'),
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const who of ['server', 'client']) {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      ...subj(`x05-${who}`),
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${who}.crt`,
      '-extfile',
      'san.ext',
    );
  }
  const r = (f: string) => readFileSync(join(dir, f));
  return {
    ca: r('ca.crt'),
    serverCert: r('server.crt'),
    serverKey: r('server.key'),
    clientCert: r('client.crt'),
    clientKey: r('client.key'),
    otherCa: r('other.crt'),
  };
}

t.test(
  'MQTT over TLS with a test CA and a client certificate; a wrong CA or no certificate is refused',
  async (t) => {
    const p = pki();
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
    const site = await FrappeStandin.start({
      apiKey: 'k',
      apiSecret: 's',
      timeZone: 'UTC',
      employees: [{ employee_name: 'Jane', attendance_device_id: '1' }],
    });
    t.teardown(() => site.close());
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
    for (let i = 0; i < 5; i++) {
      const e = makePunchEvent({
        deviceId: 'X05-1',
        site: 'tls',
        userId: '1',
        deviceTime: `2024-05-01T08:0${i}:00`,
        timezone: 'UTC',
        punch: 0,
        verify: 1,
        source: 'pull',
        receivedAt: new Date('2024-05-01T09:00:00Z'),
        clockOffsetS: null,
        raw: '',
      });
      await publisher.publishAsync('x05/v1/tls/X05-1/punch', encodePunchEvent(e), { qos: 1 });
    }
    await until('5 acked over TLS', () => f.stats.acked === 5, 15_000);
    await f.stop();
    t.equal(site.checkins.length, 5);
  },
);
