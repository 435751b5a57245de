import { Counter, Gauge, type Registry } from 'prom-client';
import type { StoredEvent } from '../store/store.js';
import type { EvacuationController } from './controller.js';

/**
 * Prometheus series for the evacuation controller, registered once per registry.
 * `current` is the running controller (a restarted coordinator makes a new one);
 * the returned function counts an event: hook it on each cluster's 'event', so
 * metrics and the event log can never disagree.
 */
export function registerEvacuationMetrics(
  registry: Registry,
  current: () => Pick<EvacuationController, 'summary'> | undefined,
): (e: StoredEvent) => void {
  const events = new Counter({
    name: 'plinth_coordinator_evacuation_events_total',
    help: 'Evacuation events by type (evacuation.fence.ok, evacuation.vm.relocated, ...)',
    labelNames: ['type'],
    registers: [registry],
  });
  type Summary = ReturnType<EvacuationController['summary']>;
  const gauge = (name: string, help: string, pick: (s: Summary) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const s = current()?.summary();
        if (s) this.set(pick(s));
      },
    });
  gauge(
    'plinth_coordinator_evacuation_brake_engaged',
    '1 while the mass-failure brake holds automatic evacuation',
    (s) => (s.brakeEngaged ? 1 : 0),
  );
  gauge(
    'plinth_coordinator_evacuation_lost_hosts',
    'Hosts down (or restored from the store) that the controller is handling',
    (s) => s.lostHosts,
  );
  gauge(
    'plinth_coordinator_evacuation_fence_failed_hosts',
    'Lost hosts whose fence failed: their VMs stay, flagged fence-failed',
    (s) => s.fenceFailedHosts,
  );
  gauge(
    'plinth_coordinator_evacuation_relocations_in_flight',
    'Relocate calls that have not answered yet',
    (s) => s.relocationsInFlight,
  );
  return (e: StoredEvent) => {
    if (e.type.startsWith('evacuation.')) events.inc({ type: e.type });
  };
}
