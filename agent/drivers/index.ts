import type { DriverFactory } from './driver.js';
import { bmcDriverFactory } from './bmc/index.js';
import { cephDriverFactory } from './ceph/index.js';
import { containersDriverFactory } from './containers/index.js';
import { frrDriverFactory } from './frr/index.js';
import { hostDriverFactory } from './host/index.js';
import { libvirtDriverFactory } from './libvirt/index.js';
import { ovsDriverFactory } from './ovs/index.js';

/**
 * The explicit registry: every driver plinth ships, in start order. A driver is
 * built only when `drivers.<name>.enabled` is true in the agent config (host is
 * on by default); an enabled driver whose daemon is absent reports `undetected`.
 */
export const driverFactories: readonly DriverFactory<never>[] = [
  hostDriverFactory,
  libvirtDriverFactory,
  ovsDriverFactory,
  frrDriverFactory,
  bmcDriverFactory,
  cephDriverFactory,
  containersDriverFactory,
] as unknown as DriverFactory<never>[];

export const DEFAULT_ENABLED: ReadonlySet<string> = new Set(['host']);
