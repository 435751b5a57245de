/** The fencing API the coordinator wires into its store, Admin RPCs and the CLI (see README.md). */
export { createBmcClient, type BmcClientDeps } from './client.js';
export { fence, type FenceOptions } from './fence.js';
export { decryptSecret, encryptSecret, loadOrCreateKeyFile, KEY_BYTES } from './credentials.js';
export type {
  BmcPowerClient,
  BmcTarget,
  FenceAttempt,
  FenceOutcome,
  PowerActionResult,
  PowerReading,
} from './types.js';
