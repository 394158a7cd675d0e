import mqtt from 'mqtt';
import { pino } from 'pino';
import t from 'tap';
import { OutboxPublisher } from '../../src/publish/index.js';
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
