import type { StoredEvent } from '../store/store.js';
import { Batch, type VmCore } from './core.js';
import { powerOn } from './desired.js';
import type { PlacementEngine } from './engine.js';
import { placeElsewhere, restoreOnOldHost } from './moves.js';
import {
  DOMAIN_KIND,
  derive,
  goneThere,
  nextStatus,
  stoppedThere,
  type HostEvidence,
} from './status.js';
import type { VmRow } from './store.js';

const HOSTS_PER_PASS = 200;
const PASS_DELAY_MS = 20;

/**
 * The status loop: cluster events (a host's objects or applied generation changed, a
 * host's liveness changed) mark the host dirty; a pass re-derives the status of every
 * VM on at most HOSTS_PER_PASS dirty hosts, finishes deletes the host has confirmed,
 * and advances moves whose VM is observed stopped on its old host. A periodic sweep
 * marks every host with VMs dirty, so a missed event costs one interval, not a stuck VM.
 */
export class StatusLoop {
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly moving = new Set<string>();
  private stopped = false;
  // Every agent's deltas and liveness changes arrive here (1,000 hosts reconnecting
  // after a coordinator restart); only hosts with VMs need a pass.
  private readonly onHost = (hostId: string) => {
    if (this.core.vms.hasVms(hostId)) this.mark(hostId);
  };
  /** Admin SetDesired announces itself with a host.desired event: check the document kept its VMs. */
  private readonly onEvent = (e: StoredEvent) => {
    if (e.type === 'host.desired') this.mark(e.hostId);
  };

  constructor(
    private readonly core: VmCore,
    private readonly engine: PlacementEngine,
  ) {}

  start(): void {
    const c = this.core.deps.cluster;
    c.on('changed', this.onHost);
    c.on('state', this.onHost);
    c.on('event', this.onEvent);
    this.sweeper = setInterval(
      () => this.sweep(),
      this.core.config.reconcileIntervalSeconds * 1000,
    );
    this.sweeper.unref();
    this.sweep();
  }

  stop(): void {
    this.stopped = true;
    const c = this.core.deps.cluster;
    c.off('changed', this.onHost);
    c.off('state', this.onHost);
    c.off('event', this.onEvent);
    if (this.timer) clearTimeout(this.timer);
    if (this.sweeper) clearInterval(this.sweeper);
  }

  sweep(): void {
    for (const h of this.core.vms.hostsWithVms()) this.mark(h);
  }

  mark(hostId: string): void {
    if (this.stopped) return;
    this.dirty.add(hostId);
    this.timer ??= setTimeout(() => this.pass(), PASS_DELAY_MS);
  }

  /** One bounded pass (also called directly by tests). */
  pass(): void {
    this.timer = undefined;
    const batch = [...this.dirty].slice(0, HOSTS_PER_PASS);
    for (const h of batch) {
      this.dirty.delete(h);
      try {
        this.evaluate(h);
      } catch (e) {
        this.core.log.error({ host: h, err: (e as Error).message }, 'VM status pass failed');
      }
    }
    this.core.notify();
    if (this.dirty.size && !this.stopped) this.timer = setTimeout(() => this.pass(), PASS_DELAY_MS);
  }

  evaluate(hostId: string): void {
    const { store } = this.core.deps;
    const host = store.getHost(hostId);
    if (!host) return;
    this.keepVmsInDesired(hostId);
    const domains = new Map(
      store.objectsOfKind(hostId, DOMAIN_KIND).map((o) => [o.id, String(o.data.state ?? '')]),
    );
    const driverHealthy = store
      .objectsOfKind(hostId, 'driver')
      .some((o) => o.id === 'libvirt' && o.data.health === 'healthy');
    for (const vm of this.core.vms.onHost(hostId)) {
      const state = domains.get(vm.uuid);
      const ev: HostEvidence = {
        appliedGeneration: host.appliedGeneration,
        results: host.appliedResults,
        driverHealthy,
        ...(state !== undefined ? { domain: { state } } : {}),
      };
      this.step(vm, hostId, ev);
    }
  }

  /**
   * Safety net for a desired document written around the VM service (Admin SetDesired
   * not routed through setBaseDesired): a host with VMs whose document lost its
   * `assignments` gets that document adopted as its new base and the VMs composed back.
   */
  private keepVmsInDesired(hostId: string): void {
    const cur = this.core.deps.store.getDesired(hostId);
    if (cur && 'assignments' in cur.spec) return;
    if (!this.core.vms.list({ hostId }).some((v) => v.status !== 'deleting')) return;
    this.core.log.warn(
      { host: hostId, generation: cur?.generation ?? 0 },
      "a desired document without the host's VMs was written outside the VM service: adopting it as the base and composing the VMs back",
    );
    this.core.tx((b) => {
      const { base, stripped } = this.core.writer.cleanBase(hostId, cur?.spec ?? {}, 'strip');
      if (stripped.length)
        this.core.log.warn(
          { host: hostId, vms: stripped },
          'the adopted document named VMs in its domains: dropped from the base (the VM service places them)',
        );
      this.core.vms.setBase(hostId, base);
      this.core.writeHost(b, hostId, true);
    });
  }

  private step(vm: VmRow, hostId: string, ev: HostEvidence): void {
    const facts = {
      uuid: vm.uuid,
      power: powerOn(vm, hostId),
      desiredGeneration: vm.desiredGeneration,
    };
    if (vm.status === 'deleting') {
      if (vm.hostId === hostId && goneThere(vm.desiredGeneration, ev)) this.finishDelete(vm.name);
      return;
    }
    if (vm.status === 'migrating') {
      if (vm.hostId !== hostId) return; // evidence from the old host, once the VM left it
      if (vm.moveFrom === hostId) {
        if (stoppedThere(facts, ev)) this.continueMove(vm);
        return;
      }
      const d = derive(facts, ev);
      if (!d || (d.status !== 'running' && d.status !== 'stopped' && d.status !== 'failed')) return;
      this.core.tx((b) => {
        const cur = this.core.vms.get(vm.name);
        if (!cur || cur.status !== 'migrating' || cur.hostId !== hostId) return;
        const from = cur.moveFrom;
        cur.moveFrom = '';
        this.core.setStatus(
          b,
          cur,
          d.status,
          d.status === 'failed'
            ? `moved from ${from} but failed here: ${d.reason}`
            : `moved from ${from}; ${d.reason}`,
        );
      });
      return;
    }
    const n = nextStatus(vm, facts, ev);
    if (!n) return;
    this.core.tx((b) => {
      const cur = this.core.vms.get(vm.name);
      if (!cur || cur.status !== vm.status || cur.hostId !== vm.hostId) return;
      this.core.setStatus(b, cur, n.status, n.reason);
    });
  }

  private finishDelete(name: string): void {
    if (this.moving.has(name)) return;
    this.moving.add(name);
    const b = new Batch();
    void this.engine
      .release(name, () => {
        const vm = this.core.vms.get(name);
        if (!vm || vm.status !== 'deleting') return;
        this.core.vms.remove(name);
        this.core.event(b, vm.hostId ?? '', {
          type: 'vm.deleted',
          severity: 'info',
          message: `vm ${name} deleted${vm.hostId ? `: gone from ${vm.hostId}, claim released` : ''}`,
          object: { kind: 'vm', id: name },
          data: { vm: name, host: vm.hostId ?? '' },
        });
      })
      .then(
        () => this.core.flush(b),
        (e: unknown) =>
          this.core.log.error({ vm: name, err: (e as Error).message }, 'releasing a VM failed'),
      )
      .finally(() => this.moving.delete(name));
  }

  private continueMove(vm: VmRow): void {
    if (this.moving.has(vm.name)) return;
    this.moving.add(vm.name);
    const from = vm.moveFrom;
    void placeElsewhere(this.core, this.engine, vm.name, {
      excludeHosts: [from],
      reason: `moving off ${from}`,
      mode: 'migrate',
    })
      .then((r) => {
        if (!r.ok)
          restoreOnOldHost(
            this.core,
            vm.name,
            `could not move off ${from}: ${r.message}; starting it on ${from} again`,
          );
      })
      .catch((e: unknown) =>
        this.core.log.error({ vm: vm.name, err: (e as Error).message }, 'moving a VM failed'),
      )
      .finally(() => {
        this.moving.delete(vm.name);
        this.mark(from);
        this.core.notify();
      });
  }
}
