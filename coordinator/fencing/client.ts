import type { Exec } from '../../agent/host/exec.js';
import type { Log } from '../../lib/log.js';
import { createIpmiPowerClient } from './ipmi-client.js';
import { createRedfishPowerClient } from './redfish-client.js';
import type { BmcPowerClient, BmcTarget } from './types.js';

export interface BmcClientDeps {
  exec: Exec;
  log: Log;
  /** Deadline for one BMC call (default 10 s). */
  timeoutMs?: number;
  /** ipmitool -R retries per request (default 2). */
  ipmiRetries?: number;
}

/** The one entry point: an IPMI or Redfish power client for a host's BMC. */
export function createBmcClient(target: BmcTarget, deps: BmcClientDeps): BmcPowerClient {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  if (target.protocol === 'ipmi')
    return createIpmiPowerClient(target, { exec: deps.exec, timeoutMs, retries: deps.ipmiRetries });
  return createRedfishPowerClient(target, { timeoutMs, log: deps.log });
}
