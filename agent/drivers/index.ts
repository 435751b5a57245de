import type { Schema } from '../../lib/config-schema.js';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../lib/json.js';
import { bmcConfigSchema } from './bmc/config.js';
import { cephConfigSchema } from './ceph/config.js';
import { containersConfigSchema } from './containers/config.js';
import type { Driver, DriverContext, DriverFactory, Observation } from './driver.js';
import { frrConfigSchema } from './frr/config.js';
import { hostDriverFactory } from './host/index.js';
import { libvirtConfigSchema } from './libvirt/config.js';
import { ovsConfigSchema } from './ovs/config.js';

/**
 * What the agent reads from a driver synchronously, before its module is loaded:
 * which desired-state section it applies and whether it takes commands.
 * test/unit/host/registry.test.ts checks it against every real driver.
 */
export interface DriverShape {
  desiredKey?: string;
  commands?: boolean;
}

export interface DriverEntry extends DriverFactory<never> {
  readonly shape: DriverShape;
  /**
   * Imports the driver's module (once) and resolves its real factory. A caller that
   * awaits this before create() gets the real driver itself, not a deferred one.
   */
  load(): Promise<DriverFactory<never>>;
}

/**
 * A driver whose module is imported at start(), not when the agent loads: an idle
 * agent with only the host driver enabled then never holds libvirt's, FRR's, BMC's
 * or Ceph's code in its heap. Everything is delegated once the real driver exists;
 * the agent always awaits start() before it observes, so parseDesired (synchronous,
 * only reached after a successful observe) finds it loaded.
 */
export function deferredDriver(
  name: string,
  shape: DriverShape,
  make: () => Promise<Driver>,
): Driver {
  let real: Driver | undefined;
  let making: Promise<Driver> | undefined;
  const get = (): Promise<Driver> => (making ??= make().then((d) => (real = d)));
  const loaded = (what: string): Driver => {
    if (real) return real;
    throw new PlinthError(
      ErrorCodes.UNAVAILABLE,
      `${name} driver is still loading; ${what} is retried on its next pass`,
    );
  };
  const driver: Driver = {
    name,
    async start() {
      await (await get()).start?.();
    },
    async stop() {
      const d = await making?.catch(() => undefined);
      await d?.stop?.();
    },
    async inventory(signal): Promise<JsonObject> {
      const d = await get();
      return d.inventory ? d.inventory(signal) : {};
    },
    async health(signal) {
      return (await get()).health(signal);
    },
    async observe(signal): Promise<Observation> {
      return (await get()).observe(signal);
    },
  };
  if (shape.desiredKey) {
    Object.assign(driver, {
      desiredKey: shape.desiredKey,
      parseDesired: (raw: JsonValue | undefined) => loaded('parseDesired').parseDesired!(raw),
      apply: async (desired: unknown, observed: Observation, signal: AbortSignal) =>
        (await get()).apply!(desired, observed, signal),
    });
  }
  if (shape.commands) {
    driver.command = async (kind, args, signal) => (await get()).command!(kind, args, signal);
  }
  return driver;
}

export function lazyEntry(
  name: string,
  configSchema: Schema,
  shape: DriverShape,
  importer: () => Promise<DriverFactory<never>>,
): DriverEntry {
  let factory: DriverFactory<never> | undefined;
  let loading: Promise<DriverFactory<never>> | undefined;
  const load = () => (loading ??= importer().then((f) => (factory = f)));
  return {
    name,
    configSchema,
    shape,
    load,
    create(ctx: DriverContext, config: never) {
      if (factory) return factory.create(ctx, config);
      return deferredDriver(name, shape, async () => (await load()).create(ctx, config));
    },
  };
}

function eagerEntry(f: DriverFactory<never>, shape: DriverShape): DriverEntry {
  return { ...f, shape, load: async () => f };
}

const factory = (f: unknown) => f as DriverFactory<never>;

/**
 * The explicit registry: every driver plinth ships, in start order. A driver is
 * built only when `drivers.<name>.enabled` is true in the agent config (host is
 * on by default); an enabled driver whose daemon is absent reports `undetected`.
 * Only the host driver is imported with this module; the others when the agent
 * starts them (their config schemas come from their small config modules).
 */
export const driverFactories: readonly DriverEntry[] = [
  eagerEntry(factory(hostDriverFactory), {}),
  lazyEntry('libvirt', libvirtConfigSchema, { desiredKey: 'domains' }, async () =>
    factory((await import('./libvirt/index.js')).libvirtDriverFactory),
  ),
  lazyEntry('ovs', ovsConfigSchema, { desiredKey: 'ovs' }, async () =>
    factory((await import('./ovs/index.js')).ovsDriverFactory),
  ),
  lazyEntry('frr', frrConfigSchema, { desiredKey: 'bgp' }, async () =>
    factory((await import('./frr/index.js')).frrDriverFactory),
  ),
  lazyEntry('bmc', bmcConfigSchema, {}, async () =>
    factory((await import('./bmc/index.js')).bmcDriverFactory),
  ),
  lazyEntry('ceph', cephConfigSchema, { commands: true }, async () =>
    factory((await import('./ceph/index.js')).cephDriverFactory),
  ),
  lazyEntry('containers', containersConfigSchema, {}, async () =>
    factory((await import('./containers/index.js')).containersDriverFactory),
  ),
];

export const DEFAULT_ENABLED: ReadonlySet<string> = new Set(['host']);
