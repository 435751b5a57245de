import { Gauge, type Registry } from 'prom-client';
import type { OvsState } from './state.js';

/** OVSDB statistics keys -> metric suffix. OVS resets them with the device, so they are gauges. */
const STATS = {
  rx_bytes: 'rx_bytes',
  tx_bytes: 'tx_bytes',
  rx_packets: 'rx_packets',
  tx_packets: 'tx_packets',
  rx_errors: 'rx_errors',
  tx_errors: 'tx_errors',
  rx_dropped: 'rx_dropped',
  tx_dropped: 'tx_dropped',
} as const;

export const OVS_METRIC_PREFIX = 'plinth_ovs_interface_';

/**
 * Registers `plinth_ovs_interface_*` gauges that read the live replica at scrape time,
 * so counters never pass through observations. Interfaces that vanish drop out.
 */
export function registerOvsMetrics(registry: Registry, current: () => OvsState | undefined): void {
  for (const [key, suffix] of Object.entries(STATS)) {
    const name = `${OVS_METRIC_PREFIX}${suffix}`;
    if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
    new Gauge({
      name,
      help: `Open vSwitch interface statistics: ${key.replace('_', ' ')} (from the OVSDB Interface table)`,
      labelNames: ['bridge', 'port', 'interface'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const s = current();
        if (!s) return;
        for (const i of s.interfaces.values()) {
          const v = i.statistics[key];
          if (v === undefined) continue;
          const port = s.portOfInterface.get(i.uuid);
          const bridge = port ? s.bridgeOfPort.get(port.uuid) : undefined;
          this.set({ bridge: bridge?.name ?? '', port: port?.name ?? '', interface: i.name }, v);
        }
      },
    });
  }
}
