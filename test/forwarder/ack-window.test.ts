import { connect, connectAsync, type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import t from 'tap';
import { type AckSlot, AckWindow } from '../../src/forwarder/ack-window.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { until } from '../helpers/until.js';

let broker: Mosquitto;
let publisher: MqttClient;
t.before(async () => {
  broker = await Mosquitto.start();
  publisher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'aw-publisher' });
});
t.teardown(async () => {
  await publisher.endAsync();
  await broker.close();
});

interface Held {
  payload: string;
  slot: AckSlot;
}

/** A subscriber on a persistent session whose messages are held in an AckWindow until the test says. */
async function subscriber(clientId: string, topic: string, size: number) {
  const window = new AckWindow(size);
  const held: Held[] = [];
  const pubacks: number[] = [];
  const options: IClientOptions = {
    protocolVersion: 5,
    clientId,
    clean: false,
    properties: { sessionExpiryInterval: 300, receiveMaximum: size },
    customHandleAcks: (_topic, payload, packet, ack) => {
      void window.admit(packet.messageId ?? 0).then((slot) => {
        ack(0);
        held.push({ payload: payload.toString(), slot });
      });
    },
  };
  const client = connect(broker.url, options);
  window.attach(client);
  client.on('packetsend', (p: Packet) => {
    if (p.cmd === 'puback') pubacks.push(p.messageId ?? -1);
  });
  await new Promise((resolve) => client.once('connect', resolve));
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, window, held, pubacks };
}

const publish = async (topic: string, n: number) => {
  for (let i = 0; i < n; i++) await publisher.publishAsync(topic, `m${i}`, { qos: 1 });
};

t.test('many messages in hand at once; PUBACKs in arrival order whatever order they finish in', async (t) => {
  const s = await subscriber('aw-order', 'aw/order', 50);
  await publish('aw/order', 10);
  // all ten delivered although none is acknowledged: the stream was not held by the ack callback
  await until('10 in hand', () => s.held.length === 10, 10_000);
  t.equal(s.window.inHand, 10);
  t.same(
    s.held.map((h) => h.payload),
    Array.from({ length: 10 }, (_, i) => `m${i}`),
  );
  t.same(s.pubacks, [], 'nothing acknowledged before the writes are done');
  for (const h of [...s.held].reverse().slice(0, 9)) h.slot.done(true);
  t.same(s.pubacks, [], 'the first message is still open: no PUBACK may overtake it');
  s.held[0]!.slot.done(true);
  t.same(
    s.pubacks,
    s.held.map((h) => h.slot.messageId),
    'all ten, in arrival order',
  );
  await s.client.endAsync();
  // the broker holds nothing more for this session: the PUBACKs reached it
  const again = await subscriber('aw-order', 'aw/order', 50);
  await publish('aw/order', 1);
  await until('the new message', () => again.held.length >= 1, 10_000);
  t.same(
    again.held.map((h) => h.payload),
    ['m0'],
    'only the new message, no redelivery',
  );
  again.held[0]!.slot.done(true);
  await again.client.endAsync();
});

t.test(
  'the window bounds what is in hand; a dropped message is redelivered with those after it',
  async (t) => {
    const s = await subscriber('aw-bound', 'aw/bound', 3);
    await publish('aw/bound', 6);
    await until('3 in hand', () => s.held.length === 3, 10_000);
    t.equal(s.window.inHand, 3, 'no more than the window');
    s.held[0]!.slot.done(true);
    await until('a 4th', () => s.held.length === 4, 10_000);
    s.held[1]!.slot.done(false);
    for (const h of s.held.slice(2)) h.slot.done(true);
    t.same(s.pubacks, [s.held[0]!.slot.messageId], 'nothing after the dropped one is acknowledged');
    await s.client.endAsync();
    const again = await subscriber('aw-bound', 'aw/bound', 10);
    await until('redelivery', () => again.held.length === 5, 10_000);
    t.same(
      again.held.map((h) => h.payload),
      ['m1', 'm2', 'm3', 'm4', 'm5'],
    );
    for (const h of again.held) h.slot.done(true);
    await again.client.endAsync();
  },
);

t.test(
  'a dropped message cuts the connection: the broker redelivers it and what follows, no stall',
  async (t) => {
    const s = await subscriber('aw-cut', 'aw/cut', 4);
    await publish('aw/cut', 4);
    await until('4 in hand', () => s.held.length === 4, 10_000);
    s.held[0]!.slot.done(true);
    s.held[1]!.slot.done(false);
    s.held[2]!.slot.done(true);
    s.held[3]!.slot.done(true);
    // the same client, reconnected by mqtt.js on its persistent session, gets the dropped one and those after
    await until('redelivered on the same client', () => s.held.length === 7, 10_000);
    t.same(
      s.held.slice(4).map((h) => h.payload),
      ['m1', 'm2', 'm3'],
    );
    for (const h of s.held.slice(4)) h.slot.done(true);
    await until('all acknowledged', () => s.pubacks.length === 4, 10_000);
    await s.client.endAsync();
  },
);
