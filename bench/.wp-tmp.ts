import { startSimulator } from '../src/sim/server.js';
import { wholeProcessFigures } from './download-process.js';
import pino from 'pino';
const sim = await startSimulator({ records: 100000, users: 200, seed: 7, serial: 'BENCH-DL', paceMs: 0, logger: pino({ level: 'silent' }) });
const r = await wholeProcessFigures(sim.port, 100000);
for (const f of r) console.log(f.value.toFixed(3), f.ratio?.toFixed(2) ?? '', f.name);
await sim.stop();
