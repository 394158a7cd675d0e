export { runSimulateCommand, type SimulateCommandOptions } from './cli.js';
export { loadDatasetFile, type SimDataset } from './dataset-file.js';
export type { SimDevice } from './device.js';
export type { DeviceClock } from './device-clock.js';
export { generatePunches, generateUsers } from './generate.js';
export type { DeviceProfile, SimulatorOptions } from './options.js';
export { type Simulator, startSimulator } from './server.js';
export { SimulatorOptionError } from './sim-error.js';
