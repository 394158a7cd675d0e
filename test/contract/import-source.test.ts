import t from 'tap';
import { punchSinkContract } from './punch-sink-contract.js';
import { importSource } from './sources.js';

punchSinkContract(t, 'import', importSource);
