export type { SimFaults } from './faults.js';
export { generatePunches, generateUsers } from './generate.js';
export type { SimulatorOptions } from './options.js';
export { startPushTerminal } from './push-terminal.js';
export { type Simulator, startSimulator } from './server.js';
