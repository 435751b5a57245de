import t from 'tap';
import {
  derive,
  goneThere,
  nextStatus,
  stoppedThere,
  type HostEvidence,
  type VmFacts,
} from '../../../coordinator/vms/status.js';
import type { VmStatus } from '../../../coordinator/vms/types.js';

const U = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const ok = { kind: 'libvirt.domain', id: U, ok: true, action: 'define+start' };
const bad = {
  kind: 'libvirt.domain',
  id: U,
  ok: false,
  code: 'PLINTH_E_NOT_FOUND',
  message: 'web-1: kernel missing',
};
const ev = (
  gen: number,
  results: HostEvidence['results'] = [ok],
  state?: string,
): HostEvidence => ({
  appliedGeneration: gen,
  results,
  ...(state ? { domain: { state } } : {}),
});
const run: VmFacts = { uuid: U, power: 'running', desiredGeneration: 5 };
const stop: VmFacts = { ...run, power: 'stopped' };

const table: [string, VmStatus, VmFacts, HostEvidence, VmStatus | undefined, RegExp?][] = [
  ['not acked yet: stays placed', 'placed', run, ev(4, [ok], 'running'), undefined],
  [
    'acked, not observed: starting',
    'placed',
    run,
    ev(5),
    'starting',
    /generation 5 applied; domain not observed yet/,
  ],
  ['acked newer generation counts', 'placed', run, ev(9), 'starting'],
  [
    'acked and observed running',
    'placed',
    run,
    ev(5, [ok], 'running'),
    'running',
    /observed running/,
  ],
  ['starting -> running', 'starting', run, ev(5, [ok], 'running'), 'running'],
  ['starting, observed shutoff: stays', 'starting', run, ev(5, [ok], 'shutoff'), undefined],
  [
    'apply error: failed with the agent reason',
    'placed',
    run,
    ev(5, [bad]),
    'failed',
    /PLINTH_E_NOT_FOUND: web-1: kernel missing/,
  ],
  [
    'no libvirt on the host',
    'placed',
    run,
    ev(5, [
      {
        kind: 'desired',
        id: 'domains',
        ok: false,
        code: 'PLINTH_E_INVALID_ARGUMENT',
        message: 'no driver on this host handles "domains"',
      },
    ]),
    'failed',
    /no driver on this host handles/,
  ],
  [
    'libvirt unavailable',
    'placed',
    run,
    ev(5, [
      {
        kind: 'driver',
        id: 'libvirt',
        ok: false,
        code: 'PLINTH_E_UNAVAILABLE',
        message: 'libvirtd down',
      },
    ]),
    'failed',
    /libvirtd down/,
  ],
  [
    'failed recovers once the host reports success',
    'failed',
    run,
    ev(6, [ok], 'running'),
    'running',
  ],
  ['failed with the same reason: no change', 'failed', run, ev(5, [bad]), undefined],
  [
    'running, crashed: back to starting',
    'running',
    run,
    ev(5, [ok], 'crashed'),
    'starting',
    /observed crashed/,
  ],
  ['running stays running', 'running', run, ev(7, [ok], 'running'), undefined],
  ['stopping, still running: stays', 'stopping', stop, ev(5, [ok], 'running'), undefined],
  ['stopping, in shutdown: stays', 'stopping', stop, ev(5, [ok], 'shutdown'), undefined],
  ['stopping -> stopped', 'stopping', stop, ev(5, [ok], 'shutoff'), 'stopped'],
  ['stopping, gone -> stopped', 'stopping', stop, ev(5, [ok]), 'stopped'],
  ['stop not acked: stays stopping', 'stopping', stop, ev(4, [ok], 'shutoff'), undefined],
  ['procedures are not derived: deleting', 'deleting', run, ev(5, [ok], 'running'), undefined],
  ['procedures are not derived: migrating', 'migrating', run, ev(5, [ok], 'running'), undefined],
];

for (const [name, cur, facts, evidence, want, reason] of table)
  t.test(name, async (t) => {
    const n = nextStatus(
      { status: cur, reason: cur === 'failed' ? 'PLINTH_E_NOT_FOUND: web-1: kernel missing' : '' },
      facts,
      evidence,
    );
    t.equal(n?.status, want);
    if (reason) t.match(n?.reason, reason);
  });

t.test('derive without a result for the domain: starting, not failed', async (t) => {
  t.equal(derive(run, ev(5, []))?.status, 'starting');
});

t.test('moves and deletes wait for evidence', async (t) => {
  t.notOk(stoppedThere(stop, ev(4, [ok], 'shutoff')), 'not acked');
  t.notOk(stoppedThere(stop, ev(5, [ok], 'running')));
  t.ok(stoppedThere(stop, ev(5, [ok], 'shutoff')));
  t.notOk(stoppedThere(stop, ev(5, [ok], 'crashed')), 'crashed may still hold QEMU');
  t.notOk(goneThere(5, ev(4, [])), 'not acked');
  t.notOk(goneThere(5, ev(5, [], 'shutoff')), 'still defined');
  t.ok(goneThere(5, ev(5, [])));
});

t.test('a move needs positive evidence that the old copy is stopped', async (t) => {
  const healthy = (e: HostEvidence): HostEvidence => ({ ...e, driverHealthy: true });
  const cases: [string, HostEvidence, boolean][] = [
    ['observed shutoff', ev(5, [ok], 'shutoff'), true],
    ['observed shutoff, even after a failed apply', ev(5, [bad], 'shutoff'), true],
    ['not reported, driver health unknown', ev(5, [ok]), false],
    ['not reported, driver unhealthy', { ...ev(5, [ok]), driverHealthy: false }, false],
    ['not reported, healthy driver, no result for the domain', healthy(ev(5, [])), false],
    ['not reported, healthy driver, apply failed', healthy(ev(5, [bad])), false],
    ['not reported, healthy driver, apply ok', healthy(ev(5, [ok])), true],
    ['healthy and ok but not acked', healthy(ev(4, [ok])), false],
  ];
  for (const [name, e, want] of cases) t.equal(stoppedThere(stop, e), want, name);
});
