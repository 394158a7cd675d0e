import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { createLogger } from '../ops/index.js';
import { serveConnection } from './connection.js';
import { loadDatasetFile, type SimDataset } from './dataset-file.js';
import { SimDevice } from './device.js';
import { DeviceClock } from './device-clock.js';
import { generatePunches, generateUsers } from './generate.js';
import { type ResolvedOptions, resolveOptions, type SimulatorOptions } from './options.js';
import { startPunching } from './realtime.js';
import { serveUdp } from './udp-server.js';

export interface Simulator {
  host: string;
  port: number;
  /** The simulated terminal: its users, its log, its clock. */
  device: SimDevice;
  /** Cuts every client connection now (a power blip, a cable pulled); the terminal keeps its log. */
  dropClients(): void;
  /** Closes the listener and every client connection. */
  stop(): Promise<void>;
}

async function dataset(o: ResolvedOptions, clock: DeviceClock): Promise<SimDataset> {
  if (o.dataFile) return loadDatasetFile(o.dataFile);
  const users = generateUsers(o.seed, o.users);
  return { users, records: generatePunches(o.seed, users, o.records, o.untilDate ?? clock.now()) };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * A ZK-family terminal on TCP speaking the port-4370 protocol (zk-tcp), for demos, tests and
 * benchmarks. Clients are served independently; a real terminal takes one at a time (§15).
 */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const o = resolveOptions(opts);
  const clock = new DeviceClock(o.clockOffsetS * 1000);
  const { users, records } = await dataset(o, clock);
  const device = new SimDevice(o.profile, users, records, clock, o.host);
  Object.assign(device.faults, o.faults);
  const log = (opts.logger ?? createLogger()).child({ device: device.serial });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveConnection(socket, device, log);
  });
  await listen(server, o.port, o.host);
  server.on('error', (err) => log.error({ err }, 'simulator listener failed'));
  const { port } = server.address() as AddressInfo;
  const stopPunching = startPunching(device, o.realtimeRate, o.realtimeDelayS);
  // the UDP variant listens on the same port number as TCP, as terminals do (zk-tcp §14)
  const udp = opts.udp ? await serveUdp(device, o.host, port, log) : undefined;
  return {
    host: o.host,
    port,
    device,
    dropClients: () => {
      for (const s of sockets) s.destroy();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        stopPunching();
        udp?.close();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
