import t from 'tap';
import {
  executePlan,
  StateWaiters,
  type DomainOps,
  type ExecutorDeps,
} from '../../../agent/drivers/libvirt/actions.js';
import type { DomainPlan } from '../../../agent/drivers/libvirt/plan.js';
import type { DomainRef } from '../../../agent/drivers/libvirt/rpc/protocol.js';
import { systemClock } from '../../../agent/host/clock.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';

const UUID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const DOM: DomainRef = { name: 'web-1', uuid: Buffer.alloc(16), id: 3 };
const OWNED = `<domain><name>web-1</name><uuid>${UUID}</uuid><metadata><plinth:owner xmlns:plinth="https://plinth.dev/xmlns/domain/1" spec="h">plinth</plinth:owner></metadata></domain>`;
const FOREIGN = `<domain><name>web-1</name><uuid>${UUID}</uuid></domain>`;

/** A fake libvirt: records calls; the guest powers off after `offAfterShutdowns` ACPI presses (never if 0). */
function fakeApi(
  opts: { xml?: string; exists?: boolean; offAfterShutdowns?: number; failOn?: string } = {},
) {
  const calls: string[] = [];
  let running = true;
  let presses = 0;
  const rec = (name: string) => {
    calls.push(name);
    if (opts.failOn === name) throw new PlinthError(ErrorCodes.INTERNAL, `${name} exploded`);
  };
  const api: DomainOps = {
    lookupByUuid: async () => (rec('lookup'), opts.exists === false ? undefined : DOM),
    domainXml: async () => (rec('xml'), opts.xml ?? OWNED),
    domainState: async () => ({ state: running ? 1 : 5, reason: 1 }),
    define: async () => (rec('define'), DOM),
    start: async () => {
      rec('start');
      running = true;
    },
    shutdown: async () => {
      rec('shutdown');
      presses++;
      if (opts.offAfterShutdowns && presses >= opts.offAfterShutdowns) running = false;
    },
    destroy: async () => {
      rec('destroy');
      running = false;
    },
    undefine: async () => rec('undefine'),
    ensurePool: async () => (rec('pool'), { name: 'plinth', uuid: Buffer.alloc(16) }),
    ensureVolume: async () => (rec('volume'), true),
  };
  return { api, calls };
}

function deps(shutdownTimeoutMs: number): ExecutorDeps & { touchedList: string[] } {
  const touchedList: string[] = [];
  return {
    clock: systemClock,
    config: { shutdownTimeoutMs, poolName: 'plinth', imagePoolDir: '/var/lib/plinth/images' },
    waiters: new StateWaiters(),
    touched: (u) => touchedList.push(u),
    defining: () => undefined,
    touchedList,
  };
}

const planOf = (
  actions: DomainPlan['actions'],
  summary = actions.map((a) => a.kind).join('+'),
): DomainPlan => ({
  uuid: UUID,
  name: 'web-1',
  actions,
  summary,
});
const signal = new AbortController().signal;

t.test('stop: an ACPI shutdown that works never destroys', async (t) => {
  const { api, calls } = fakeApi({ offAfterShutdowns: 1 });
  const r = await executePlan(deps(5000), api, planOf([{ kind: 'stop' }]), signal);
  t.match(r, { ok: true, action: 'stop', message: 'web-1: shutdown' });
  t.same(calls, ['lookup', 'xml', 'shutdown']);
});

t.test('stop: a guest that ignores ACPI is destroyed after the timeout', async (t) => {
  const { api, calls } = fakeApi({ offAfterShutdowns: 0 });
  const t0 = performance.now();
  const r = await executePlan(deps(400), api, planOf([{ kind: 'stop' }]), signal);
  t.match(r, { ok: true, message: 'web-1: destroyed' });
  t.ok(performance.now() - t0 >= 350, 'waited for the timeout first');
  t.same(calls.slice(-2), ['shutdown', 'destroy']);
});

t.test('stop with timeout 0 destroys at once', async (t) => {
  const { api, calls } = fakeApi();
  t.match(await executePlan(deps(0), api, planOf([{ kind: 'stop' }]), signal), {
    ok: true,
    message: 'web-1: destroyed',
  });
  t.notOk(calls.includes('shutdown'));
});

t.test('a domain that lost the ownership mark is not touched', async (t) => {
  const { api, calls } = fakeApi({ xml: FOREIGN });
  const r = await executePlan(
    deps(0),
    api,
    planOf([{ kind: 'stop' }, { kind: 'undefine' }]),
    signal,
  );
  t.match(r, { ok: false, code: 'PLINTH_E_CONFLICT', action: 'none' });
  t.same(calls, ['lookup', 'xml']);
});

t.test('define of a new domain; a failure mid-list says what was done', async (t) => {
  const ok = fakeApi({ exists: false });
  const xml = '<domain/>';
  t.match(
    await executePlan(
      deps(0),
      ok.api,
      planOf([
        { kind: 'create-volume', volume: 'v.qcow2', sizeBytes: 1 },
        { kind: 'define', xml, redefine: false },
        { kind: 'start' },
      ]),
      signal,
    ),
    { ok: true, action: 'create-volume+define+start', message: /volume v.qcow2 created/ },
  );
  t.same(ok.calls, ['lookup', 'pool', 'volume', 'lookup', 'define', 'start']);

  const bad = fakeApi({ exists: false, failOn: 'start' });
  const d = deps(0);
  const r = await executePlan(
    d,
    bad.api,
    planOf([{ kind: 'define', xml, redefine: false }, { kind: 'start' }]),
    signal,
  );
  t.match(r, {
    ok: false,
    code: 'PLINTH_E_INTERNAL',
    message: 'web-1: start failed after define: start exploded',
  });
  t.ok(d.touchedList.length >= 1, 'cache invalidated');
});

t.test('error plans and empty plans', async (t) => {
  const { api, calls } = fakeApi();
  t.same(await executePlan(deps(0), api, planOf([], 'noop'), signal), {
    kind: 'libvirt.domain',
    id: UUID,
    ok: true,
    action: 'noop',
  });
  t.match(
    await executePlan(
      deps(0),
      api,
      { ...planOf([], 'error'), error: { code: 'PLINTH_E_CAPACITY', message: 'too big' } },
      signal,
    ),
    {
      ok: false,
      code: 'PLINTH_E_CAPACITY',
      message: 'web-1: too big',
    },
  );
  t.same(calls, [], 'no libvirt call at all');
});
