import t from 'tap';
import { punchSinkContract } from './punch-sink-contract.js';
import { pullSource } from './sources.js';

punchSinkContract(t, 'pull', pullSource);
