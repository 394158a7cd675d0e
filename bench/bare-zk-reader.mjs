// The floor of a whole-process download: `node bench/bare-zk-reader.mjs HOST PORT` connects, logs in
// (CONNECT), asks for the attendance dataset (1503), reads it chunk by chunk (1504, one in flight: what
// the protocol allows, zk-tcp §9), frees it (1502), says EXIT and prints how many dataset bytes it got.
// No checks, no decode, no events, no TypeScript, no libraries: what any client of a terminal must at
// least do. Plain JavaScript so that node runs it as it is, as it runs the built CLI.
import { connect } from 'node:net';

const [host, port] = [process.argv[2], Number(process.argv[3])];
const CHUNK = 0xffc0;
const socket = connect({ host, port, noDelay: true });
let session = 0;
let replyId = 0;
let pending = Buffer.alloc(0);
let onFrame;

function send(command, data = Buffer.alloc(0)) {
  const frame = Buffer.alloc(16 + data.length);
  frame.writeUInt32LE(0x7d825050, 0);
  frame.writeUInt32LE(8 + data.length, 4);
  frame.writeUInt16LE(command, 8);
  frame.writeUInt16LE(session, 12);
  frame.writeUInt16LE(replyId, 14);
  data.copy(frame, 16);
  let sum = 0;
  for (let i = 8; i < frame.length; i += 2) sum += frame[i] + (i + 1 < frame.length ? frame[i + 1] << 8 : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  frame.writeUInt16LE(~sum & 0xffff, 10);
  socket.write(frame);
  replyId = (replyId + 1) % 65535;
}

// every complete frame of every read goes to onFrame(command, session field, data)
socket.on('data', (d) => {
  pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
  while (pending.length >= 8 && pending.length >= 8 + pending.readUInt32LE(4)) {
    const end = 8 + pending.readUInt32LE(4);
    onFrame(pending.readUInt16LE(8), pending.readUInt16LE(12), pending.subarray(16, end));
    pending = pending.subarray(end);
  }
});

/** Sends a request and resolves once `done(command, sessionField, data)` says its answer is complete. */
const ask = (command, data, done) =>
  new Promise((resolve) => {
    onFrame = (c, s, d) => done(c, s, d) && resolve();
    send(command, data);
  });

await new Promise((resolve) => socket.once('connect', resolve));
await ask(1000, undefined, (_c, s) => {
  session = s;
  return true;
});
let size = 0;
// attendance: `01`, u16 ATTLOG_RRQ (13), u32 fct 0, u32 ext 0; the size answer is ACK_OK `00`, u32 size
await ask(1503, Buffer.from([1, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0]), (_c, _s, d) => {
  size = d.readUInt32LE(1);
  return true;
});
let got = 0;
for (let offset = 0; offset < size; offset += CHUNK) {
  const want = Buffer.alloc(8);
  want.writeUInt32LE(offset, 0);
  want.writeUInt32LE(Math.min(CHUNK, size - offset), 4);
  // PREPARE_DATA, DATA…, ACK_OK: the data bytes are counted and dropped
  await ask(1504, want, (c, _s, d) => {
    if (c === 1501) got += d.length;
    return c === 2000;
  });
}
await ask(1502, undefined, () => true);
await ask(1001, undefined, () => true);
socket.destroy();
process.stdout.write(`${got}\n`);
