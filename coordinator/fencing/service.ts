import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { Log } from '../../lib/log.js';
import { assertName } from '../../lib/names.js';
import type { Clock } from '../../agent/host/clock.js';
import type { Exec } from '../../agent/host/exec.js';
import type { Cluster } from '../cluster/cluster.js';
import type { BmcRow, CoordinatorStore } from '../store/store.js';
import { createBmcClient } from './client.js';
import { decryptSecret, encryptSecret } from './credentials.js';
import { fence } from './fence.js';
import type {
  BmcPowerClient,
  BmcTarget,
  FenceOutcome,
  PowerActionResult,
  PowerReading,
} from './types.js';

export interface FencingConfig {
  deadlineMs: number;
  retries: number;
  bmcTimeoutMs: number;
}

export interface FencingDeps {
  store: CoordinatorStore;
  cluster: Cluster;
  log: Log;
  exec: Exec;
  clock: Clock;
  /** The 32-byte key from the coordinator's key file. */
  key: Buffer;
}

export interface BmcInput {
  hostId: string;
  protocol: string;
  address: string;
  user: string;
  password: string;
  caPem?: string;
  pinnedSha256?: string;
  insecureSkipVerify?: boolean;
  cipherSuite?: number;
}

const HOSTPORT = /^([A-Za-z0-9.-]{1,253}|\[[0-9a-fA-F:]+\])(:(\d{1,5}))?$/;

function bad(msg: string): never {
  throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, msg);
}

/** Validate what an operator gives for a BMC before anything is stored. Pure. */
export function validateBmcInput(i: BmcInput): void {
  assertName('hostId', i.hostId, 'host id');
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(i.user))
    bad('BMC user: letters, digits and . _ @ - only, at most 64');
  if (!i.password || i.password.length > 256 || /[\0\n\r]/.test(i.password))
    bad('BMC password: 1-256 characters, no NUL or newline');
  if (i.protocol === 'ipmi') {
    const m = HOSTPORT.exec(i.address);
    if (!m || (m[3] && Number(m[3]) > 65535))
      bad(`--ipmi ${JSON.stringify(i.address)} is not HOST[:PORT]`);
    if (i.cipherSuite !== undefined && (i.cipherSuite < 0 || i.cipherSuite > 17))
      bad('IPMI cipher suite must be 0-17');
  } else if (i.protocol === 'redfish') {
    let u: URL;
    try {
      u = new URL(i.address);
    } catch {
      bad(`--redfish ${JSON.stringify(i.address)} is not a URL`);
    }
    if (u.protocol !== 'https:')
      bad('--redfish must be an https:// URL: BMC credentials never travel in clear text');
    const trust = [!!i.caPem, !!i.pinnedSha256, !!i.insecureSkipVerify].filter(Boolean).length;
    if (trust !== 1)
      bad('a Redfish BMC needs exactly one of --ca-file, --pin-sha256 or --insecure-skip-verify');
    if (i.pinnedSha256 && !/^([0-9a-fA-F]{2}:?){32}$/.test(i.pinnedSha256))
      bad('--pin-sha256 must be a SHA-256 fingerprint (64 hex digits)');
  } else bad(`unknown BMC protocol ${JSON.stringify(i.protocol)}: ipmi or redfish`);
}

export function trustOf(r: BmcRow): string {
  if (r.protocol === 'ipmi') return 'n/a';
  return r.caPem ? 'ca' : r.pinnedSha256 ? 'pinned' : 'insecure';
}

/**
 * The coordinator's BMC operations: credentials decrypted only for the duration
 * of one operation, every fencing attempt recorded as an event.
 */
export function createFencingService(d: FencingDeps, cfg: FencingConfig) {
  const publish = (
    hostId: string,
    type: string,
    severity: 'info' | 'warning' | 'critical',
    message: string,
    data?: Record<string, string | number | boolean>,
  ) => {
    d.cluster.publish([
      d.store.addEvent(hostId, { type, severity, message, ...(data ? { data } : {}) }),
    ]);
  };

  function target(hostId: string): BmcTarget {
    const r = d.store.getBmc(hostId);
    if (!r)
      throw new PlinthError(
        ErrorCodes.NOT_FOUND,
        `host ${hostId} has no BMC configured: plinth host bmc set ${hostId} --ipmi HOST[:PORT] --user U --password-file F`,
      );
    const password = decryptSecret(d.key, r.secret, hostId);
    if (r.protocol === 'ipmi') {
      const m = HOSTPORT.exec(r.address)!;
      return {
        protocol: 'ipmi',
        host: m[1]!.replace(/^\[|\]$/g, ''),
        port: m[3] ? Number(m[3]) : 623,
        user: r.user,
        password,
        cipherSuite: r.cipherSuite,
      };
    }
    return {
      protocol: 'redfish',
      url: r.address,
      user: r.user,
      password,
      ...(r.caPem ? { caPem: r.caPem } : {}),
      ...(r.pinnedSha256 ? { pinnedSha256: r.pinnedSha256 } : {}),
      ...(r.insecure ? { insecureSkipVerify: true } : {}),
    };
  }

  async function withClient<T>(hostId: string, fn: (c: BmcPowerClient) => Promise<T>): Promise<T> {
    const client = createBmcClient(target(hostId), {
      exec: d.exec,
      log: d.log,
      timeoutMs: cfg.bmcTimeoutMs,
    });
    try {
      return await fn(client);
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  return {
    setBmc(i: BmcInput, who: string): BmcRow {
      validateBmcInput(i);
      const row: BmcRow = {
        hostId: i.hostId,
        protocol: i.protocol as 'ipmi' | 'redfish',
        address: i.address,
        user: i.user,
        secret: encryptSecret(d.key, i.password, i.hostId),
        caPem: i.caPem ?? '',
        pinnedSha256: i.pinnedSha256 ?? '',
        insecure: !!i.insecureSkipVerify,
        cipherSuite: i.cipherSuite ?? 3,
        updatedMs: d.clock.now(),
      };
      d.store.setBmc(row);
      publish(
        i.hostId,
        'bmc.config',
        i.insecureSkipVerify ? 'warning' : 'info',
        `BMC of ${i.hostId} set to ${i.protocol} ${i.address} as ${i.user} by ${who}${i.insecureSkipVerify ? ' (certificate NOT verified)' : ''}`,
      );
      return row;
    },

    getBmc(hostId: string): BmcRow {
      const r = d.store.getBmc(hostId);
      if (!r) throw new PlinthError(ErrorCodes.NOT_FOUND, `host ${hostId} has no BMC configured`);
      return r;
    },

    async power(
      hostId: string,
      action: string,
      who: string,
    ): Promise<{ state: PowerReading; alreadyInState: boolean }> {
      if (!['status', 'on', 'off', 'cycle'].includes(action))
        bad(`power action ${JSON.stringify(action)}: status, on, off or cycle`);
      return withClient(hostId, async (c) => {
        if (action === 'status') return { state: await c.powerStatus(), alreadyInState: false };
        const r: PowerActionResult =
          action === 'on'
            ? await c.powerOn()
            : action === 'off'
              ? await c.powerOff()
              : await c.powerCycle();
        publish(
          hostId,
          'bmc.power',
          action === 'on' ? 'info' : 'warning',
          `power ${action} of ${hostId} by ${who}${r.alreadyInState ? ' (already in that state)' : ''}`,
        );
        return { state: await c.powerStatus(), alreadyInState: r.alreadyInState };
      });
    },

    async fenceHost(hostId: string, who: string): Promise<FenceOutcome> {
      publish(
        hostId,
        'fence.start',
        'warning',
        `fencing ${hostId} (requested by ${who}): power off through the BMC, then read back`,
      );
      const outcome = await withClient(hostId, (c) =>
        fence(c, { deadlineMs: cfg.deadlineMs, retries: cfg.retries, clock: d.clock }),
      );
      for (const a of outcome.attempts) {
        publish(
          hostId,
          'fence.attempt',
          a.ok ? 'info' : 'warning',
          `fence ${hostId} round ${a.round}: ${a.action} ${a.ok ? 'ok' : 'failed'}${a.powerState ? `, power ${a.powerState}` : ''}${a.message ? ` (${a.message})` : ''}`,
          {
            round: a.round,
            action: a.action,
            ok: a.ok,
            durationMs: a.durationMs,
          },
        );
      }
      publish(
        hostId,
        outcome.ok ? 'fence.done' : 'fence.failed',
        outcome.ok ? 'warning' : 'critical',
        `fence ${hostId}: ${outcome.ok ? (outcome.alreadyOff ? 'confirmed off (it already was)' : 'confirmed off') : `FAILED: ${outcome.message}`} after ${outcome.elapsedMs} ms`,
        {
          ok: outcome.ok,
          alreadyOff: outcome.alreadyOff,
          elapsedMs: outcome.elapsedMs,
        },
      );
      return outcome;
    },
  };
}

export type FencingService = ReturnType<typeof createFencingService>;
