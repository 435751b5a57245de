import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, PlinthError, isPlinthError, toPlinthError } from '../../../lib/errors.js';
import type { JsonObject } from '../../../lib/json.js';
import {
  errorMessage,
  type Driver,
  type DriverContext,
  type DriverFactory,
  type Health,
  type ObservedObject,
} from '../driver.js';
import { bmcConfigSchema, type BmcConfig } from './config.js';
import { parseIpmiAddress, type IpmiTarget } from './ipmitool.js';
import { createBmcMetrics } from './metrics.js';
import type { Fru } from './model.js';
import {
  fruObject,
  newSelEntries,
  powerObject,
  selEvent,
  sensorConditions,
  sensorObjects,
  type SelCursor,
} from './observe-map.js';
import {
  createRedfishClient,
  parseBaseUrl,
  type RedfishClient,
  type RedfishEndpoint,
} from './redfish-http.js';
import { createIpmiSource, createRedfishSource, type BmcSource } from './sources.js';

export type { BmcConfig } from './config.js';

/** File IO and the Redfish client factory: the driver's IO beyond DriverContext (tests pass fakes). */
export interface BmcIo {
  readFile(path: string): Promise<string>;
  /** Atomic replace (write + rename). */
  writeFile(path: string, data: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  redfishClient(ep: RedfishEndpoint, timeoutMs: number): RedfishClient;
}

export const nodeBmcIo: BmcIo = {
  readFile: (p) => readFile(p, 'utf8'),
  async writeFile(p, data) {
    await mkdir(join(p, '..'), { recursive: true });
    await writeFile(`${p}.tmp`, data, { mode: 0o600 });
    await rename(`${p}.tmp`, p);
  },
  async exists(p) {
    try {
      await access(p, fsConstants.F_OK);
      return true;
    } catch {
      return false;
    }
  },
  redfishClient: (ep, timeoutMs) => createRedfishClient(ep, { timeoutMs }),
};

const SEL_STATE_FILE = 'bmc-sel.json';
/** At most this many SEL events are emitted per pass; the rest are summarised in one event. */
const MAX_SEL_EVENTS_PER_PASS = 100;

interface Resolved {
  source: BmcSource;
  /** Where the SEL ids come from (the cursor is per BMC). */
  identity: string;
  describe: JsonObject;
}

async function readPassword(io: BmcIo, file: string | undefined): Promise<string> {
  if (!file)
    throw new PlinthError(
      ErrorCodes.CONFIG,
      'drivers.bmc.passwordFile is required for a remote BMC',
    );
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (e) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `drivers.bmc.passwordFile ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  // One line; a trailing newline from `echo pw > file` is not part of the password.
  const pw = text.replace(/\r?\n$/, '');
  if (pw === '' || pw.includes('\n'))
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `drivers.bmc.passwordFile ${file}: must hold the password on one line`,
    );
  return pw;
}

async function resolveSource(
  ctx: DriverContext,
  config: BmcConfig,
  io: BmcIo,
): Promise<Resolved | undefined> {
  let kind = config.source;
  if (kind === 'none') return undefined;
  if (kind === 'auto') {
    if (await io.exists(config.ipmiDevice)) kind = 'ipmi-open';
    else if (config.address?.startsWith('https://')) kind = 'redfish';
    else if (config.address) kind = 'ipmi-lan';
    else return undefined;
  }
  if (kind === 'ipmi-open') {
    return {
      source: createIpmiSource(ctx.exec, { interface: 'open' }, config.timeoutMs),
      identity: `ipmi-open:${config.ipmiDevice}`,
      describe: { source: 'ipmi-open', device: config.ipmiDevice },
    };
  }
  if (!config.address)
    throw new PlinthError(ErrorCodes.CONFIG, `drivers.bmc.address is required for source ${kind}`);
  if (!config.user)
    throw new PlinthError(ErrorCodes.CONFIG, `drivers.bmc.user is required for source ${kind}`);
  const password = await readPassword(io, config.passwordFile);
  if (kind === 'ipmi-lan') {
    const { host, port } = parseIpmiAddress(config.address);
    const target: IpmiTarget = {
      interface: 'lanplus',
      host,
      port,
      user: config.user,
      password,
      cipherSuite: config.cipherSuite,
    };
    return {
      source: createIpmiSource(ctx.exec, target, config.timeoutMs),
      identity: `ipmi-lan:${host}:${port}`,
      describe: { source: 'ipmi-lan', address: `${host}:${port}`, user: config.user },
    };
  }
  parseBaseUrl(config.address);
  const tls: RedfishEndpoint['tls'] = {};
  if (config.caFile) {
    try {
      tls.caPem = await io.readFile(config.caFile);
    } catch (e) {
      throw new PlinthError(
        ErrorCodes.CONFIG,
        `drivers.bmc.caFile ${config.caFile}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (config.pinnedSha256) tls.pinnedSha256 = config.pinnedSha256;
  if (config.insecureSkipVerify) {
    tls.insecureSkipVerify = true;
    ctx.log.warn(
      { driver: 'bmc', address: config.address },
      'INSECURE: drivers.bmc.insecureSkipVerify is true — the Redfish BMC certificate is NOT verified; anyone on the path can read the BMC password. Configure caFile or pinnedSha256.',
    );
  } else if (!tls.caPem && !tls.pinnedSha256) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      'drivers.bmc: a redfish source needs caFile or pinnedSha256 (or the explicit insecureSkipVerify)',
    );
  }
  const client = io.redfishClient(
    { baseUrl: config.address, user: config.user, password, tls },
    config.timeoutMs,
  );
  return {
    source: createRedfishSource(client),
    identity: `redfish:${config.address}`,
    describe: { source: 'redfish', address: config.address, user: config.user },
  };
}

export function createBmcDriver(
  ctx: DriverContext,
  config: BmcConfig,
  io: BmcIo = nodeBmcIo,
): Driver {
  const metrics = createBmcMetrics(ctx.metrics);
  let resolved: Resolved | undefined;
  let startError: PlinthError | undefined;
  let started = false;
  let cursor: SelCursor | undefined;
  let cursorLoaded = false;
  let fru: { value: Fru; at: number } | undefined;
  const statePath = join(ctx.paths.stateDir, SEL_STATE_FILE);

  async function ensureStarted(): Promise<void> {
    if (started) return;
    started = true;
    try {
      resolved = await resolveSource(ctx, config, io);
      if (resolved) ctx.log.info({ driver: 'bmc', ...resolved.describe }, 'BMC source selected');
    } catch (e) {
      startError = toPlinthError(e, ErrorCodes.CONFIG);
      ctx.log.error(
        { driver: 'bmc', code: startError.code, err: startError.message },
        'BMC driver cannot start',
      );
    }
  }

  async function loadCursor(): Promise<SelCursor | undefined> {
    if (cursorLoaded) return cursor;
    cursorLoaded = true;
    try {
      const c = JSON.parse(await io.readFile(statePath)) as Partial<SelCursor>;
      if (
        typeof c.source === 'string' &&
        typeof c.lastId === 'number' &&
        Number.isInteger(c.lastId)
      )
        cursor = { source: c.source, lastId: c.lastId };
    } catch {
      cursor = undefined;
    }
    return cursor;
  }

  async function pollSel(r: Resolved, signal: AbortSignal): Promise<void> {
    const { entries, skipped } = await r.source.sel(signal, config.selMaxEntries);
    if (skipped > 0)
      ctx.log.debug({ driver: 'bmc', skipped }, 'SEL lines that did not parse were skipped');
    const before = await loadCursor();
    const next = newSelEntries(entries, before, r.identity);
    const emitted = next.fresh.slice(-MAX_SEL_EVENTS_PER_PASS);
    if (next.fresh.length > emitted.length) {
      ctx.emit({
        type: 'bmc.sel',
        severity: 'warning',
        message: `${next.fresh.length - emitted.length} older new SEL entries were not forwarded (more than ${MAX_SEL_EVENTS_PER_PASS} in one pass)`,
      });
    }
    for (const e of emitted) ctx.emit(selEvent(e));
    if (!before || before.source !== next.cursor.source || before.lastId !== next.cursor.lastId) {
      // Persist before the next pass: an agent restart does not replay what it already forwarded.
      await io.writeFile(statePath, JSON.stringify(next.cursor) + '\n');
      cursor = next.cursor;
    }
  }

  return {
    name: 'bmc',
    async start() {
      await ensureStarted();
    },
    async stop() {
      await resolved?.source.close();
    },
    async inventory(signal) {
      await ensureStarted();
      if (!resolved) return { bmc: { source: 'none' } };
      const out: JsonObject = { ...resolved.describe };
      try {
        const f = await resolved.source.fru(signal);
        fru = { value: f, at: ctx.clock.monotonic() };
        out.fru = { ...f };
      } catch (e) {
        ctx.log.warn({ driver: 'bmc', err: errorMessage(e) }, 'BMC FRU not readable');
      }
      return { bmc: out };
    },
    async health(signal): Promise<Health> {
      await ensureStarted();
      if (startError)
        return { status: 'unhealthy', code: startError.code, message: startError.message };
      if (!resolved)
        return {
          status: 'undetected',
          message: 'no in-band IPMI device and no BMC address configured',
        };
      try {
        await resolved.source.power(signal);
        return { status: 'healthy' };
      } catch (e) {
        const pe = toPlinthError(e, ErrorCodes.BMC_UNAVAILABLE);
        return {
          status: 'unhealthy',
          code: pe.code === ErrorCodes.BMC_AUTH ? pe.code : ErrorCodes.BMC_UNAVAILABLE,
          message: pe.message,
        };
      }
    },
    async observe(signal) {
      await ensureStarted();
      if (startError) throw startError;
      if (!resolved) return { objects: [] };
      const r = resolved;
      // Sensors are the point of this driver: if they cannot be read, the pass fails.
      const sensors = await r.source.sensors(signal);
      metrics.update(sensors);
      const objects: ObservedObject[] = sensorObjects(sensors);
      try {
        objects.push(powerObject(await r.source.power(signal)));
      } catch (e) {
        if (isPlinthError(e) && e.code === ErrorCodes.BMC_AUTH) throw e;
        ctx.log.warn({ driver: 'bmc', err: errorMessage(e) }, 'BMC power state not readable');
      }
      const now = ctx.clock.monotonic();
      if (!fru || now - fru.at > config.fruRefreshSeconds * 1000) {
        try {
          fru = { value: await r.source.fru(signal), at: now };
        } catch (e) {
          ctx.log.warn({ driver: 'bmc', err: errorMessage(e) }, 'BMC FRU not readable');
        }
      }
      if (fru) objects.push(fruObject(fru.value));
      try {
        await pollSel(r, signal);
      } catch (e) {
        ctx.log.warn({ driver: 'bmc', err: errorMessage(e) }, 'BMC SEL not readable');
      }
      return { objects, conditions: sensorConditions(sensors) };
    },
  };
}

export const bmcDriverFactory: DriverFactory<BmcConfig> = {
  name: 'bmc',
  configSchema: bmcConfigSchema,
  create: (ctx, config) => createBmcDriver(ctx, config),
};
