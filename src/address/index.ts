export { discoverEntryProblem, expandDiscover } from './address-range.js';
export { allowedIpProblem, onAllowList, parseAllowList, plainAddress } from './ip-allow-list.js';
