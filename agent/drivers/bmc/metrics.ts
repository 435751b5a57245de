import { Gauge, type Registry } from 'prom-client';
import { statusRank, type SensorResult } from './model.js';

/**
 * plinth_bmc_sensor_value{sensor,type,unit}: the reading; absent (never 0) when the read failed.
 * plinth_bmc_sensor_status{sensor}: 0 ok, 1 non-critical, 2 critical, 3 non-recoverable, -1 read error.
 * Series of sensors that disappear are removed, so a pulled PSU does not freeze its last value.
 */
export interface BmcMetrics {
  update(results: readonly SensorResult[]): void;
}

function gauge(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
): Gauge<string> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<string>;
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

export function createBmcMetrics(registry: Registry): BmcMetrics {
  const value = gauge(registry, 'plinth_bmc_sensor_value', 'BMC sensor reading in its unit', [
    'sensor',
    'type',
    'unit',
  ]);
  const status = gauge(
    registry,
    'plinth_bmc_sensor_status',
    'BMC sensor status: 0 ok, 1 non-critical, 2 critical, 3 non-recoverable, -1 read error',
    ['sensor'],
  );
  let valueKeys = new Map<string, Record<string, string>>();
  let statusKeys = new Set<string>();
  return {
    update(results) {
      const nextValues = new Map<string, Record<string, string>>();
      const nextStatus = new Set<string>();
      for (const r of results) {
        nextStatus.add(r.name);
        if (!r.ok) {
          status.set({ sensor: r.name }, -1);
          continue;
        }
        const labels = { sensor: r.name, type: r.type, unit: r.unit };
        value.set(labels, r.value);
        nextValues.set(JSON.stringify(labels), labels);
        status.set({ sensor: r.name }, statusRank(r.status));
      }
      for (const [k, labels] of valueKeys) if (!nextValues.has(k)) value.remove(labels);
      for (const s of statusKeys) if (!nextStatus.has(s)) status.remove({ sensor: s });
      valueKeys = nextValues;
      statusKeys = nextStatus;
    },
  };
}
