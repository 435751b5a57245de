import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's process and Node metrics (RSS, CPU, heap, event-loop lag), minus
 * three gauges it names *_total, which promtool rejects; their values are also
 * exported without the suffix (nodejs_active_handles, ...).
 */
export function registerSelfMetrics(registry: Registry, prefix: string): void {
  collectDefaultMetrics({ register: registry, prefix, eventLoopMonitoringPrecision: 20 });
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ]) {
    registry.removeSingleMetric(`${prefix}${name}`);
  }
}
