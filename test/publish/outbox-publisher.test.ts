import mqtt from 'mqtt';
import { pino } from 'pino';
import t from 'tap';
import { encodeConfirmations } from '../../src/payload/confirmation.js';
import { ConfirmationListener, DEFAULT_CONFIRM, OutboxPublisher } from '../../src/publish/index.js';
import { PunchStore } from '../../src/store/index.js';
import { PunchCollector } from '../helpers/collector.js';
import { samplePunches } from '../helpers/events.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: 'silent' });

t.test('drains the outbox to the broker at QoS 1 in order and empties it only after PUBACK', async (t) => {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.close());
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const collector = await PunchCollector.start(broker.url);
  t.teardown(() => collector.close());
  const client = await mqtt.connectAsync(broker.url);
  t.teardown(() => client.endAsync(true));

  const events = [...samplePunches(600, 'DEV-A', 'hq'), ...samplePunches(400, 'DEV-B', 'hq')];
  await store.accept(events);
  const publisher = new OutboxPublisher({
    confirm: false,
    client,
    outbox: store,
    site: 'hq',
    logger,
    window: 64,
  });
  publisher.start();
  t.teardown(() => publisher.stop());

  await collector.waitFor(1000);
  await until('an empty outbox', () => store.outboxDepth === 0);
  t.equal((await store.readOutbox(10)).length, 0, 'outbox empty on disk');
  t.same(
    collector.received.filter((e) => e.device_id === 'DEV-A').map((e) => e.id),
    events.slice(0, 600).map((e) => e.id),
    'device A punches arrive once each, in order',
  );
  t.ok(collector.received.every((e) => e.site === 'hq'));
});

t.test('broker down: punches stay on disk, then all arrive once it is back', async (t) => {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.close());
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  // MQTT 5: while the restarted broker (no persistence) has no subscriber yet, it answers reason 16
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 200, protocolVersion: 5 });
  t.teardown(() => client.endAsync(true));
  const publisher = new OutboxPublisher({
    confirm: false,
    client,
    outbox: store,
    site: 'hq',
    logger,
    window: 32,
    idleMs: 100,
  });
  publisher.start();
  t.teardown(() => publisher.stop());

  const collector = await PunchCollector.start(broker.url, 'x05/v1/#', 'outage-collector');
  t.teardown(() => collector.close());
  await broker.stop();
  const events = samplePunches(300, 'DEV-A', 'hq');
  await store.accept(events);
  await new Promise((r) => setTimeout(r, 500));
  t.equal(store.outboxDepth, 300, 'nothing leaves the outbox while the broker is away');

  await broker.start();
  await collector.waitFor(300);
  await until('an empty outbox', () => store.outboxDepth === 0);
  t.equal(collector.uniqueIds().size, 300);
});

t.test(
  'a punch confirmed soon after its PUBACK is never written as "sent": one write, not two',
  async (t) => {
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const store = await PunchStore.open(tempDir(t));
    t.teardown(() => store.close());
    let marked = 0;
    const markSent = store.markSent.bind(store);
    store.markSent = (marks) => {
      marked += marks.length;
      return markSent(marks);
    };
    // a forwarder that confirms what arrived every 50 ms, as the real one confirms each written batch
    let confirming = true;
    const fwd = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    t.teardown(() => fwd.endAsync(true));
    const arrived: string[] = [];
    fwd.on('message', (_topic, payload) => {
      if (confirming) arrived.push((JSON.parse(payload.toString()) as { id: string }).id);
    });
    const batches = setInterval(() => {
      for (const body of encodeConfirmations(arrived.splice(0)))
        void fwd.publishAsync('x05/v1/hq/DEV-A/confirm', body, { qos: 1 });
    }, 50);
    t.teardown(() => clearInterval(batches));
    await fwd.subscribeAsync('x05/v1/hq/+/punch', { qos: 1 });
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    t.teardown(() => client.endAsync(true));
    // subscribes before the publisher's first punch goes out on the same connection, so before any confirmation
    new ConfirmationListener(client, store, 'hq', logger);
    const publisher = new OutboxPublisher({
      client,
      outbox: store,
      site: 'hq',
      logger,
      confirm: DEFAULT_CONFIRM,
    });
    publisher.start();
    t.teardown(() => publisher.stop());

    await store.accept(samplePunches(500, 'DEV-A', 'hq'));
    await until('every punch confirmed', () => store.outboxDepth === 0, 30_000);
    t.ok(marked < 50, `${marked} of 500 marked sent before their confirmation came`);

    // no confirmations: after the grace each acknowledged punch is written as sent, waiting for one
    confirming = false;
    await store.accept(samplePunches(20, 'DEV-A', 'hq', 1000));
    await until('20 sent and awaiting confirmation', () => store.sentAwaitingConfirmation === 20, 10_000);
    t.equal(store.outboxDepth, 20, 'kept until confirmed');
  },
);
