import type { Schema } from '../../lib/config-schema.js';
import { bmcConfigSchema } from './bmc/config.js';
import { cephConfigSchema } from './ceph/config.js';
import { containersConfigSchema } from './containers/config.js';
import type { DriverFactory } from './driver.js';
import { frrConfigSchema } from './frr/config.js';
import { hostDriverFactory } from './host/index.js';
import { libvirtConfigSchema } from './libvirt/config.js';
import { ovsConfigSchema } from './ovs/config.js';

/**
 * A registered driver: its name and config schema are known when the agent loads;
 * its module is imported by load(), once, and only for an enabled driver. An idle
 * agent with only the host driver enabled then never holds libvirt's, FRR's, BMC's
 * or Ceph's code in its heap.
 */
export interface DriverEntry {
  readonly name: string;
  readonly configSchema: Schema;
  load(): Promise<DriverFactory<never>>;
}

export function lazyEntry(
  name: string,
  configSchema: Schema,
  importer: () => Promise<DriverFactory<never>>,
): DriverEntry {
  let loading: Promise<DriverFactory<never>> | undefined;
  return { name, configSchema, load: () => (loading ??= importer()) };
}

function eagerEntry(f: DriverFactory<never>): DriverEntry {
  return { name: f.name, configSchema: f.configSchema, load: async () => f };
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
  eagerEntry(factory(hostDriverFactory)),
  lazyEntry('libvirt', libvirtConfigSchema, async () =>
    factory((await import('./libvirt/index.js')).libvirtDriverFactory),
  ),
  lazyEntry('ovs', ovsConfigSchema, async () =>
    factory((await import('./ovs/index.js')).ovsDriverFactory),
  ),
  lazyEntry('frr', frrConfigSchema, async () =>
    factory((await import('./frr/index.js')).frrDriverFactory),
  ),
  lazyEntry('bmc', bmcConfigSchema, async () =>
    factory((await import('./bmc/index.js')).bmcDriverFactory),
  ),
  lazyEntry('ceph', cephConfigSchema, async () =>
    factory((await import('./ceph/index.js')).cephDriverFactory),
  ),
  lazyEntry('containers', containersConfigSchema, async () =>
    factory((await import('./containers/index.js')).containersDriverFactory),
  ),
];

export const DEFAULT_ENABLED: ReadonlySet<string> = new Set(['host']);
