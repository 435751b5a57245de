import { link, memberLinks, parsePowerState } from '../../agent/drivers/bmc/parse-redfish.js';
import {
  assertRedfishPath,
  createRedfishClient,
  type RedfishClient,
  type RedfishEndpoint,
} from '../../agent/drivers/bmc/redfish-http.js';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { Log } from '../../lib/log.js';
import type { BmcPowerClient, BmcTarget, PowerActionResult, PowerReading } from './types.js';

type ResetType = 'On' | 'ForceOff' | 'GracefulShutdown' | 'ForceRestart' | 'PowerCycle';

interface SystemInfo {
  path: string;
  resetTarget: string;
  allowed?: string[];
}

const SYSTEM_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Redfish power: ServiceRoot → Systems → ComputerSystem.Reset, then read-back of PowerState.
 * A 409 (or 400) on a reset to the state the system is already in is read back: if the
 * state matches, the action counts as done (CloudStack's Host-HA got stuck exactly here).
 */
export function createRedfishPowerClient(
  t: Extract<BmcTarget, { protocol: 'redfish' }>,
  deps: { timeoutMs: number; log: Log; client?: RedfishClient },
): BmcPowerClient {
  if (t.systemId !== undefined && !SYSTEM_ID.test(t.systemId)) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `invalid Redfish system id ${JSON.stringify(t.systemId.slice(0, 80))}`,
    );
  }
  const tls: RedfishEndpoint['tls'] = {};
  if (t.caPem) tls.caPem = t.caPem;
  if (t.pinnedSha256) tls.pinnedSha256 = t.pinnedSha256;
  if (t.insecureSkipVerify) {
    tls.insecureSkipVerify = true;
    deps.log.warn(
      { bmc: t.url },
      'INSECURE: insecureSkipVerify is set for this BMC — its certificate is NOT verified and the BMC password can be intercepted. Store its CA or a pinned fingerprint.',
    );
  } else if (!t.caPem && !t.pinnedSha256) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `BMC ${t.url}: a Redfish BMC needs its CA, a pinned certificate fingerprint, or the explicit insecureSkipVerify`,
    );
  }
  const client =
    deps.client ??
    createRedfishClient(
      { baseUrl: t.url, user: t.user, password: t.password, tls },
      { timeoutMs: deps.timeoutMs },
    );
  let system: SystemInfo | undefined;

  async function discover(signal?: AbortSignal): Promise<SystemInfo> {
    if (system) return system;
    let path: string;
    if (t.systemId) {
      path = `/redfish/v1/Systems/${t.systemId}`;
    } else {
      const root = await client.get('/redfish/v1/', signal);
      const systems = link(root, 'Systems');
      if (!systems)
        throw new PlinthError(ErrorCodes.PARSE, `BMC ${t.url}: ServiceRoot has no Systems link`);
      const first = memberLinks(await client.get(systems, signal))[0];
      if (!first) throw new PlinthError(ErrorCodes.NOT_FOUND, `BMC ${t.url}: no ComputerSystem`);
      path = first;
    }
    const sys = (await client.get(path, signal)) as {
      Actions?: Record<string, { target?: unknown; 'ResetType@Redfish.AllowableValues'?: unknown }>;
    };
    const action = sys?.Actions?.['#ComputerSystem.Reset'];
    const resetTarget =
      typeof action?.target === 'string'
        ? assertRedfishPath(action.target)
        : `${path}/Actions/ComputerSystem.Reset`;
    const allowedRaw = action?.['ResetType@Redfish.AllowableValues'];
    const allowed = Array.isArray(allowedRaw)
      ? allowedRaw.filter((x): x is string => typeof x === 'string')
      : undefined;
    system = { path, resetTarget, allowed };
    return system;
  }

  async function status(signal?: AbortSignal): Promise<PowerReading> {
    const s = await discover(signal);
    return parsePowerState(await client.get(s.path, signal));
  }

  async function reset(
    type: ResetType,
    wanted: PowerReading | undefined,
    signal?: AbortSignal,
  ): Promise<PowerActionResult> {
    const s = await discover(signal);
    if (s.allowed && !s.allowed.includes(type)) {
      throw new PlinthError(
        ErrorCodes.INVALID_ARGUMENT,
        `BMC ${t.url}: ResetType ${type} is not supported (allowed: ${s.allowed.join(', ')})`,
      );
    }
    const r = await client.post(s.resetTarget, { ResetType: type }, signal);
    if (r.status >= 200 && r.status < 300) return { alreadyInState: false };
    if ((r.status === 409 || r.status === 400) && wanted) {
      // Real BMCs refuse a reset to the current state; the read-back decides.
      const now = await status(signal);
      if (now === wanted) return { alreadyInState: true };
    }
    const msg = (r.body as { error?: { message?: unknown } } | undefined)?.error?.message;
    throw new PlinthError(
      r.status === 409 ? ErrorCodes.CONFLICT : ErrorCodes.BMC_UNAVAILABLE,
      `BMC ${t.url}: ${type} refused with HTTP ${r.status}${typeof msg === 'string' ? `: ${msg.slice(0, 200)}` : ''}`,
      { status: r.status },
    );
  }

  return {
    describe: `redfish ${t.url} as ${t.user}`,
    powerStatus: status,
    powerOn: (signal) => reset('On', 'on', signal),
    powerOff: (signal) => reset('ForceOff', 'off', signal),
    async powerCycle(signal) {
      if ((await status(signal)) === 'off') return reset('On', 'on', signal);
      const s = await discover(signal);
      const type: ResetType =
        s.allowed && !s.allowed.includes('ForceRestart') && s.allowed.includes('PowerCycle')
          ? 'PowerCycle'
          : 'ForceRestart';
      return reset(type, undefined, signal);
    },
    close: () => client.close(),
  };
}
