export { bench } from '../integration/host/bench-host.js';
