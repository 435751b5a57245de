import t from 'tap';
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Driver, Observation, ObservedObject } from '../../../agent/drivers/driver.js';
import { frrDriverFactory } from '../../../agent/drivers/frr/index.js';
import type { BgpDesired } from '../../../agent/drivers/frr/types.js';
import type { JsonObject } from '../../../lib/json.js';
import {
  ADDR,
  ASN,
  driverConfig,
  eventually,
  frrUnavailableReason,
  gaugeValue,
  makeContext,
  startDaemon,
  startLab,
  stopDaemon,
  type Lab,
} from '../../harness/frr.js';

/**
 * Router A is managed by the driver; B and C are static peers. The steps build on each
 * other (issue 5, tests 1-6 and the bad-input cases), so they run in order on one lab.
 */

const ANNOUNCE = '198.18.5.200/32';

const reason = await frrUnavailableReason();
if (reason) {
  t.plan(0, reason);
} else {
  await run();
}

async function run(): Promise<void> {
  const lab: Lab = await startLab({
    aConfig: `hostname a\n!\nrouter bgp ${ASN.a}\n bgp router-id ${ADDR.aToB}\n!`,
  });
  t.teardown(() => lab.stop());
  const rec = makeContext(lab.root);
  const driver = frrDriverFactory.create(rec.ctx, driverConfig(lab.a)) as Driver<BgpDesired | null>;
  await driver.start?.();
  t.teardown(() => driver.stop?.());
  const signal = new AbortController().signal;

  const neighborB = { address: ADDR.bToA, remoteAs: ASN.b, description: 'to b', bfd: lab.bfd };
  const neighborC = { address: ADDR.cToA, remoteAs: 'external', description: 'c one' };
  const desiredDoc = (over: Partial<Record<string, unknown>> = {}): JsonObject =>
    ({
      asn: ASN.a,
      routerId: ADDR.aToB,
      neighbors: [neighborB, neighborC],
      prefixes: [],
      ...over,
    }) as JsonObject;

  const applyDoc = async (doc: JsonObject) => {
    const p = driver.parseDesired!(doc);
    if (p.errors.length > 0)
      throw new Error(`unexpected desired errors ${JSON.stringify(p.errors)}`);
    return driver.apply!(p.desired, { objects: [] }, signal);
  };
  const find = (o: Observation, kind: string, id: string): ObservedObject | undefined =>
    o.objects.find((x) => x.kind === kind && x.id === id);
  const neighborData = async (id: string) =>
    find(await driver.observe(signal), 'bgp.neighbor', id)?.data;
  const established = (id: string) => async () => (await neighborData(id))?.state === 'Established';
  const bRib = async (): Promise<string[]> => {
    const j = await lab.b.vtyshJson<{ routes?: Record<string, unknown> }>(
      'show bgp ipv4 unicast json',
    );
    return Object.keys(j.routes ?? {});
  };
  const runningA = () => lab.a.vtysh('show running-config');
  const bCounters = async () => {
    await driver.observe(signal);
    return {
      dropped: await gaugeValue(rec.registry, 'plinth_bgp_neighbor_connections_dropped', {
        neighbor: ADDR.bToA,
      }),
      uptime: await gaugeValue(rec.registry, 'plinth_bgp_neighbor_uptime_seconds', {
        neighbor: ADDR.bToA,
      }),
    };
  };

  await t.test('health and inventory with FRR running', async (t) => {
    t.same(await driver.health(signal), { status: 'healthy' });
    const inv = await driver.inventory!(signal);
    t.match(inv.frrVersion, /^\d+\.\d+/);
  });

  await t.test('1: sessions A-B and A-C come up', async (t) => {
    const results = await applyDoc(desiredDoc());
    t.ok(
      results.every((r) => r.ok),
      'every object applied',
    );
    t.match(
      results.find((r) => r.id === ADDR.bToA),
      { action: 'create' },
    );
    await eventually('A-B established', established(ADDR.bToA));
    await eventually('A-C established', established(ADDR.cToA));
    const obs = await driver.observe(signal);
    t.match(find(obs, 'bgp.instance', 'default')?.data, { asn: ASN.a, routerId: ADDR.aToB });
    t.match(find(obs, 'bgp.neighbor', ADDR.cToA)?.data, {
      owned: true,
      description: 'c one',
      remoteAs: 'external',
      peerAs: ASN.c,
    });
    if (lab.bfd) {
      await eventually('BFD peer B up', async () => {
        const o = await driver.observe(signal);
        return find(o, 'bgp.bfd-peer', ADDR.bToA)?.data.status === 'up';
      });
    }
    const again = await applyDoc(desiredDoc());
    t.ok(
      again.every((r) => r.ok && r.action === 'noop'),
      'a second apply of the same state is a no-op',
    );
    const saved = await readFile(join(lab.a.dir, 'frr.conf'), 'utf8');
    t.match(saved, `neighbor ${ADDR.cToA} description plinth: c one`, 'configuration saved');
  });

  await t.test('2: an announcement reaches B', async (t) => {
    // import-check: the prefix must be in A's RIB, as a VM's /32 route would be.
    await lab.a.nsExec('ip', ['addr', 'add', ANNOUNCE, 'dev', 'lo']);
    const r = await applyDoc(desiredDoc({ prefixes: [ANNOUNCE] }));
    t.match(
      r.find((x) => x.id === ANNOUNCE),
      { ok: true, action: 'create' },
    );
    await eventually('prefix in B RIB', async () => (await bRib()).includes(ANNOUNCE));
    const o = await driver.observe(signal);
    t.match(find(o, 'bgp.prefix', ANNOUNCE)?.data, { owned: true, announced: true });
  });

  await t.test('3: a withdrawal leaves B', async (t) => {
    const r = await applyDoc(desiredDoc({ prefixes: [] }));
    t.match(
      r.find((x) => x.id === ANNOUNCE),
      { ok: true, action: 'delete' },
    );
    await eventually('prefix gone from B RIB', async () => !(await bRib()).includes(ANNOUNCE));
    t.notMatch(await runningA(), ANNOUNCE);
  });

  await t.test('4: C changes never reset B', async (t) => {
    const start = await bCounters();
    t.type(start.dropped, 'number');
    const cDroppedBefore = (await gaugeValue(
      rec.registry,
      'plinth_bgp_neighbor_connections_dropped',
      { neighbor: ADDR.cToA },
    ))!;
    const check = async (step: string) => {
      await new Promise((r) => setTimeout(r, 1200));
      const now = await bCounters();
      t.equal(now.dropped, start.dropped, `${step}: B connectionsDropped unchanged`);
      t.ok(
        now.uptime! > start.uptime!,
        `${step}: B uptime grows (${start.uptime} -> ${now.uptime})`,
      );
      t.match(await neighborData(ADDR.bToA), { state: 'Established' }, `${step}: B established`);
    };

    const c2 = { ...neighborC, description: 'c two' };
    let r = await applyDoc(desiredDoc({ neighbors: [neighborB, c2] }));
    t.match(
      r.find((x) => x.id === ADDR.cToA),
      { ok: true, action: 'update' },
    );
    await check('description');
    t.equal(
      await gaugeValue(rec.registry, 'plinth_bgp_neighbor_connections_dropped', {
        neighbor: ADDR.cToA,
      }),
      cDroppedBefore,
      'a description change does not reset C either',
    );
    t.match(await neighborData(ADDR.cToA), { description: 'c two', state: 'Established' });

    r = await applyDoc(desiredDoc({ neighbors: [neighborB, { ...c2, shutdown: true }] }));
    t.match(
      r.find((x) => x.id === ADDR.cToA),
      { ok: true, action: 'update' },
    );
    await eventually(
      'C admin down',
      async () => (await neighborData(ADDR.cToA))?.adminShutdown === true,
    );
    await check('shutdown');

    r = await applyDoc(desiredDoc({ neighbors: [neighborB, c2] }));
    t.match(
      r.find((x) => x.id === ADDR.cToA),
      { ok: true, action: 'update' },
    );
    await eventually('C established again', established(ADDR.cToA));
    await check('no shutdown');
    t.match(await readFile(join(lab.a.dir, 'frr.conf'), 'utf8'), 'description plinth: c two');
  });

  await t.test('6: a neighbour configured by hand is reported and left alone', async (t) => {
    await lab.a.vtysh(
      'configure terminal',
      `router bgp ${ASN.a}`,
      'neighbor 198.18.5.9 remote-as 65009',
      'end',
      'write memory',
    );
    const o = await driver.observe(signal);
    t.match(find(o, 'bgp.neighbor', '198.18.5.9')?.data, { owned: false, remoteAs: 65009 });
    const before = await runningA();
    const r = await applyDoc(
      desiredDoc({ neighbors: [neighborB, { ...neighborC, description: 'c two' }] }),
    );
    t.ok(
      r.every((x) => x.ok && x.action === 'noop'),
      'nothing to do',
    );
    t.equal(await runningA(), before, 'running configuration untouched');
    t.match(await runningA(), 'neighbor 198.18.5.9 remote-as 65009');

    const claim = await applyDoc(
      desiredDoc({
        neighbors: [
          neighborB,
          { ...neighborC, description: 'c two' },
          { address: '198.18.5.9', remoteAs: 65010, description: 'mine now' },
        ],
      }),
    );
    t.match(
      claim.find((x) => x.id === '198.18.5.9'),
      { ok: false, code: 'PLINTH_E_CONFLICT' },
    );
    t.equal(await runningA(), before, 'a desired neighbour does not take over a hand-made one');
  });

  await t.test('an unnumbered neighbour on an interface comes up and goes away', async (t) => {
    const iface = lab.links.aUnnum;
    const unnumbered = { interface: iface, remoteAs: 'external', description: 'b unnumbered' };
    const both = [neighborB, { ...neighborC, description: 'c two' }];
    const before = await bCounters();
    const r = await applyDoc(desiredDoc({ neighbors: [...both, unnumbered] }));
    t.match(
      r.find((x) => x.id === iface),
      { ok: true, action: 'create' },
    );
    t.match(await runningA(), `neighbor ${iface} interface remote-as external`);
    await eventually('unnumbered session established', established(iface), 45_000, 500);
    t.match(await neighborData(iface), { interface: iface, owned: true, peerAs: ASN.b });
    const gone = await applyDoc(desiredDoc({ neighbors: both }));
    t.match(
      gone.find((x) => x.id === iface),
      { ok: true, action: 'delete' },
    );
    t.notMatch(await runningA(), `neighbor ${iface}`);
    t.equal((await bCounters()).dropped, before.dropped, 'the numbered session to B is untouched');
  });

  await t.test('bad input: per-object errors, FRR untouched', async (t) => {
    const valid = { ...neighborC, description: 'c two' };
    const before = await runningA();
    const cases: [string, JsonObject, string][] = [
      [
        'invalid neighbour address',
        desiredDoc({ neighbors: [neighborB, valid, { address: '198.18.5.300', remoteAs: 65009 }] }),
        '198.18.5.300',
      ],
      [
        'invalid remote ASN',
        desiredDoc({ neighbors: [neighborB, valid, { address: '198.18.5.21', remoteAs: 0 }] }),
        '198.18.5.21',
      ],
      [
        'prefix that is not a network address',
        desiredDoc({ neighbors: [neighborB, valid], prefixes: ['198.18.5.201/24'] }),
        '198.18.5.201/24',
      ],
      [
        'description with a newline',
        desiredDoc({ neighbors: [neighborB, { ...valid, description: 'x\nrouter bgp 1' }] }),
        ADDR.cToA,
      ],
      [
        'description with vtysh syntax',
        desiredDoc({
          neighbors: [neighborB, { ...valid, description: 'x ! no neighbor 1.1.1.1' }],
        }),
        ADDR.cToA,
      ],
    ];
    for (const [name, doc, id] of cases) {
      const p = driver.parseDesired!(doc);
      t.match(
        p.errors,
        [{ id, ok: false, code: 'PLINTH_E_INVALID_ARGUMENT' }],
        `${name}: reported`,
      );
      const r = await driver.apply!(p.desired, { objects: [] }, signal);
      t.ok(
        r.every((x) => x.ok),
        `${name}: the valid rest applies`,
      );
      t.equal(await runningA(), before, `${name}: FRR configuration untouched`);
    }
    const asn = driver.parseDesired!(desiredDoc({ asn: 4294967296 }));
    t.match(asn, {
      desired: null,
      errors: [{ kind: 'bgp.instance', code: 'PLINTH_E_INVALID_ARGUMENT' }],
    });
    t.same(await driver.apply!(asn.desired, { objects: [] }, signal), []);

    const missing = await applyDoc(
      desiredDoc({
        neighbors: [neighborB, valid, { interface: 'plt-frrnope0', remoteAs: 'external' }],
      }),
    );
    t.match(
      missing.find((x) => x.id === 'plt-frrnope0'),
      { ok: false, code: 'PLINTH_E_NOT_FOUND' },
    );
    t.equal(await runningA(), before, 'neighbour on a missing interface: FRR untouched');
  });

  await t.test('5: the veth to B going down reaches the driver within 2 s', async (t) => {
    await eventually('A-B established', established(ADDR.bToA));
    await driver.observe(signal);
    // Let the poll settle on the current state first.
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = performance.now();
    await lab.a.nsExec('ip', ['link', 'set', lab.links.aToB, 'down']);
    const mark = await eventually(
      'markDirty after link down',
      async () => rec.dirty.find((d) => d.at >= t0),
      5000,
      20,
    );
    const elapsed = mark.at - t0;
    t.ok(elapsed <= 2000, `marked dirty ${Math.round(elapsed)} ms after the link went down`);
    const data = await neighborData(ADDR.bToA);
    t.not(data?.state, 'Established', 'the observation shows the session lost');
    t.ok(
      rec.events.some(
        (e) => e.type === 'bgp.session' && e.severity === 'warning' && e.object?.id === ADDR.bToA,
      ),
      'a session-lost event is emitted',
    );
    await lab.a.nsExec('ip', ['link', 'set', lab.links.aToB, 'up']);
    await eventually('A-B established again', established(ADDR.bToA));
  });

  await t.test('bgpd not running: unhealthy, then recovers by itself', async (t) => {
    await stopDaemon(lab.a, 'bgpd');
    const h = await eventually(
      'unhealthy',
      async () => {
        const x = await driver.health(signal);
        return x.status === 'unhealthy' ? x : null;
      },
      10_000,
    );
    t.match(h, { status: 'unhealthy', code: 'PLINTH_E_FRR_UNAVAILABLE' });
    await t.rejects(driver.observe(signal), { code: 'PLINTH_E_FRR_UNAVAILABLE' });
    const p = driver.parseDesired!(
      desiredDoc({ neighbors: [neighborB, { ...neighborC, description: 'c two' }] }),
    );
    const r = await driver.apply!(p.desired, { objects: [] }, signal);
    t.ok(
      r.length > 0 && r.every((x) => !x.ok && x.code === 'PLINTH_E_FRR_UNAVAILABLE'),
      'apply reports FRR unavailable',
    );

    const marks = rec.dirty.length;
    await startDaemon(lab.a, 'bgpd');
    await eventually(
      'healthy again',
      async () => (await driver.health(signal)).status === 'healthy',
    );
    // The saved configuration came back: nothing plinth set was lost with bgpd.
    const o = await driver.observe(signal);
    t.match(find(o, 'bgp.neighbor', ADDR.cToA)?.data, { owned: true, description: 'c two' });
    t.match(find(o, 'bgp.neighbor', '198.18.5.9')?.data, { owned: false });
    await eventually('poll marks dirty on recovery', async () => rec.dirty.length > marks, 5000);
    await eventually('A-C established after restart', established(ADDR.cToA));
  });

  await t.test('vtysh absent: unhealthy, then recovers once it is there', async (t) => {
    const other = makeContext(lab.root);
    // A path that does not exist yet; then it appears (as after `apt-get install frr`).
    const path = join(lab.root, 'vtysh-later');
    const d = frrDriverFactory.create(other.ctx, driverConfig(lab.a, { vtysh: path }));
    t.match(await d.health(signal), { status: 'unhealthy', code: 'PLINTH_E_FRR_UNAVAILABLE' });
    await t.rejects(d.observe(signal), { code: 'PLINTH_E_FRR_UNAVAILABLE' });
    await symlink('/usr/bin/vtysh', path);
    t.same(await d.health(signal), { status: 'healthy' });
    t.match(find(await d.observe(signal), 'bgp.instance', 'default')?.data, { asn: ASN.a });
  });
}
