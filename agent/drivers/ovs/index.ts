import type {
  ApplyResult,
  Driver,
  DriverContext,
  DriverFactory,
  Health,
  Observation,
  ParsedDesired,
} from '../driver.js';
import { errorMessage } from '../driver.js';
import { ErrorCodes, PlinthError, toPlinthError } from '../../../lib/errors.js';
import type { JsonValue } from '../../../lib/json.js';
import { parseOvsDesired } from './desired.js';
import { registerOvsMetrics } from './metrics.js';
import { toInventory, toObservedObjects } from './observe.js';
import { OvsdbClient, transactOutcome } from './ovsdb/client.js';
import { dialUnix, type Dial } from './ovsdb/dial.js';
import { OvsdbReplica } from './ovsdb/replica.js';
import { OVS_DB, planOvs } from './plan.js';
import { MONITORED_COLUMNS, QUIET_COLUMNS, parseState, type OvsState } from './state.js';
import type { OvsConfig, OvsDesired } from './types.js';
import { ovsConfigSchema } from './config.js';

export type { OvsConfig, OvsDesired } from './types.js';

export { ovsConfigSchema } from './config.js';

/** How long start() and inventory() wait for the first sync before carrying on. */
const FIRST_SYNC_WAIT_MS = 2000;
const HEALTH_ECHO_TIMEOUT_MS = 1000;

export interface OvsDriver extends Driver<OvsDesired> {
  parseDesired(raw: JsonValue | undefined): ParsedDesired<OvsDesired>;
  apply(desired: OvsDesired, observed: Observation, signal: AbortSignal): Promise<ApplyResult[]>;
  /** For tests and benchmarks: the JSON-RPC requests sent so far, by method. */
  requestCounts(): ReadonlyMap<string, number>;
}

export function createOvsDriver(
  ctx: DriverContext,
  config: OvsConfig,
  deps: { dial?: Dial } = {},
): OvsDriver {
  const log = ctx.log.child({ driver: 'ovs' });
  let parsed: OvsState | undefined;
  const replica = new OvsdbReplica({
    db: OVS_DB,
    columns: MONITORED_COLUMNS,
    quietColumns: QUIET_COLUMNS,
    onChange: (meaningful) => {
      parsed = undefined;
      if (meaningful) ctx.markDirty('ovsdb monitor update');
    },
  });
  let wasReady = false;
  const client = new OvsdbClient({
    socketPath: config.socket,
    dial: deps.dial ?? dialUnix,
    log,
    requestTimeoutMs: config.requestTimeoutMs,
    echoIntervalMs: config.echoIntervalMs,
    onConnect: (c) => replica.resync(c),
    onNotification: (method, params) => {
      try {
        replica.onNotification(method, params);
      } catch (e) {
        log.warn({ err: errorMessage(e) }, 'unusable monitor update; resyncing');
        replica.invalidate();
        client.resync(errorMessage(e));
        ctx.markDirty('ovsdb monitor update unusable');
      }
    },
    onStateChange: (state, err) => {
      if (state === 'ready') wasReady = true;
      if (state !== 'ready' && state !== 'syncing') {
        replica.invalidate();
        parsed = undefined;
      }
      if (state === 'connecting' && wasReady) {
        wasReady = false;
        log.warn({ err: err?.message }, 'lost ovsdb-server; reconnecting');
        ctx.markDirty('ovsdb connection lost');
      }
    },
  });

  const current = (): OvsState | undefined => {
    if (!replica.synced) return undefined;
    parsed ??= parseState(replica.tables);
    return parsed;
  };
  registerOvsMetrics(ctx.metrics, current);

  let started = false;
  const ensureStarted = (): void => {
    if (started) return;
    started = true;
    client.start();
  };
  const requireState = (): OvsState => {
    ensureStarted();
    const s = current();
    if (!s || client.state !== 'ready') {
      throw new PlinthError(
        ErrorCodes.OVSDB_UNAVAILABLE,
        `ovsdb-server at ${config.socket} is not connected: ${client.lastError?.message ?? 'connecting'}`,
      );
    }
    return s;
  };

  return {
    name: 'ovs',
    desiredKey: 'ovs',

    async start() {
      ensureStarted();
      await client.waitReady(FIRST_SYNC_WAIT_MS);
    },

    async stop() {
      client.stop();
    },

    async inventory(signal) {
      ensureStarted();
      if (!replica.synced) await client.waitReady(FIRST_SYNC_WAIT_MS);
      signal.throwIfAborted();
      return toInventory(requireState(), replica.schemaVersion);
    },

    async health(signal): Promise<Health> {
      ensureStarted();
      if (client.state === 'ready' && replica.synced) {
        try {
          await client.request('echo', ['plinth-health'], {
            timeoutMs: HEALTH_ECHO_TIMEOUT_MS,
            signal,
          });
          return { status: 'healthy' };
        } catch (e) {
          return {
            status: 'unhealthy',
            code: ErrorCodes.OVSDB_UNAVAILABLE,
            message: `ovsdb-server did not answer echo: ${errorMessage(e)}`,
          };
        }
      }
      const err = client.lastError;
      if (!client.everConnected && err?.details?.errno === 'ENOENT') {
        return {
          status: 'undetected',
          message: `no ovsdb-server socket at ${config.socket}`,
        };
      }
      return {
        status: 'unhealthy',
        code: ErrorCodes.OVSDB_UNAVAILABLE,
        message: err?.message ?? `connecting to ovsdb-server at ${config.socket}`,
      };
    },

    async observe(signal) {
      signal.throwIfAborted();
      return { objects: toObservedObjects(requireState(), config.owner) };
    },

    parseDesired(raw) {
      return parseOvsDesired(raw, { datapathType: config.datapathType });
    },

    async apply(desired, _observed, signal) {
      // Plans from the live replica, not `_observed`: the preconditions need the exact
      // OVSDB values and row uuids, and the replica is at least as fresh.
      const plan = planOvs(desired, requireState(), config.owner);
      if (plan.ops.length === 0) return plan.results;
      let failure: { code: ApplyResult['code']; message: string } | undefined;
      try {
        const results = await client.transact(OVS_DB, plan.ops, { signal });
        const outcome = transactOutcome(results);
        if (!outcome.ok) {
          const op = plan.ops[outcome.opIndex];
          const precondition = op?.op === 'wait' && outcome.error === 'timed out';
          failure = precondition
            ? {
                code: ErrorCodes.CONFLICT,
                message: `someone else changed ${String(op?.table)} concurrently; transaction aborted, will re-observe and retry`,
              }
            : {
                code: ErrorCodes.INTERNAL,
                message: `OVSDB transaction failed: ${outcome.error}${outcome.details ? `: ${outcome.details}` : ''}`,
              };
        }
      } catch (e) {
        const pe = toPlinthError(e, ErrorCodes.OVSDB_UNAVAILABLE);
        failure = { code: pe.code, message: pe.message };
      }
      if (failure) {
        log.warn({ failure }, 'ovs transaction not applied');
        ctx.markDirty('ovsdb transaction failed');
        return plan.results.map((r) =>
          r.ok && r.action !== 'noop'
            ? { ...r, ok: false, code: failure.code, message: failure.message }
            : r,
        );
      }
      // The server flushes monitor updates before answering a later request, so after
      // this echo the replica already shows our own commit and the next pass is a no-op.
      await client
        .request('echo', ['plinth-barrier'], { timeoutMs: config.requestTimeoutMs })
        .catch(() => undefined);
      return plan.results;
    },

    requestCounts() {
      return client.sent;
    },
  };
}

export const ovsDriverFactory: DriverFactory<OvsConfig> = {
  name: 'ovs',
  configSchema: ovsConfigSchema,
  create: (ctx, config) => createOvsDriver(ctx, config),
};
