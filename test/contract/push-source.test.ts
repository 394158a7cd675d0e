import t from 'tap';
import { punchSinkContract } from './punch-sink-contract.js';
import { pushSource } from './sources.js';

punchSinkContract(t, 'push', pushSource);
