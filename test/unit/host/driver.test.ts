import { Registry } from 'prom-client';
import t from 'tap';
import type { Systeminformation } from 'systeminformation';
import { createHostDriver, hostDriverFactory } from '../../../agent/drivers/host/index.js';
import { collectSiFacts, type SiSource } from '../../../agent/drivers/host/inventory.js';
import type { Timers } from '../../../agent/drivers/host/netlink-session.js';
import { RTM } from '../../../agent/drivers/host/rtnetlink-parse.js';
import type { DriverContext } from '../../../agent/drivers/driver.js';
import type { HostFs } from '../../../agent/host/procfs.js';
import type {
  OpenRtnetlink,
  RtnetlinkOpenOptions,
  RtnlMessage,
} from '../../../agent/host/rtnetlink.js';
import { PlinthError, ErrorCodes } from '../../../lib/errors.js';
import { silentLog } from '../../../lib/log.js';
import { loadDumpFixture, loadEventFixture } from './fixtures.js';

const fx = loadDumpFixture('netns-rich.json');
const asReplies = (list: { type: number; payload: Buffer }[]): RtnlMessage[] =>
  list.map((m) => ({ ...m, flags: 2, portId: 4242 }));

/** A fake rtnetlink: answers dumps from the fixture, lets the test push notifications or fail requests. */
function fakeNetlink() {
  const state = {
    opens: 0,
    closes: 0,
    failOpen: false,
    failNext: 0,
    requests: [] as number[],
    notify: undefined as ((m: RtnlMessage) => void) | undefined,
    groups: 0,
  };
  const open: OpenRtnetlink = async (opts: RtnetlinkOpenOptions) => {
    state.opens++;
    if (state.failOpen) throw new PlinthError(ErrorCodes.UNAVAILABLE, 'socket(AF_NETLINK) failed');
    state.notify = opts.onNotification;
    state.groups = opts.groups;
    return {
      portId: 4242,
      async request(type) {
        state.requests.push(type);
        if (state.failNext > 0) {
          state.failNext--;
          throw new PlinthError(ErrorCodes.TIMEOUT, 'rtnetlink request failed: timeout reached');
        }
        if (type === RTM.GETLINK) return asReplies(fx.links);
        if (type === RTM.GETADDR) return asReplies(fx.addrs);
        return asReplies(fx.routes);
      },
      async close() {
        state.closes++;
      },
    };
  };
  return { state, open };
}

function fakeTimers() {
  const pending: Array<{ fn: () => void; ms: number }> = [];
  const timers: Timers = {
    set(fn, ms) {
      const h = { fn, ms };
      pending.push(h);
      return h;
    },
    clear(h) {
      const i = pending.indexOf(h as (typeof pending)[number]);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  return { timers, pending };
}

function context(now: { t: number }, dirty: string[]): DriverContext {
  return {
    log: silentLog(),
    exec: async () => {
      throw new Error('the host driver must not spawn processes');
    },
    clock: { now: () => 1_700_000_000_000 + now.t, monotonic: () => now.t },
    metrics: new Registry(),
    markDirty: (r) => dirty.push(r),
    emit: () => undefined,
    paths: { stateDir: '/nonexistent', runDir: '/nonexistent' },
  };
}

const noFs: HostFs = {
  readFile: async (p) => {
    throw new Error(`ENOENT ${p}`);
  },
  readdir: async (p) => {
    throw new Error(`ENOENT ${p}`);
  },
  statfs: async () => ({ bsize: 0, blocks: 0, bavail: 0, bfree: 0 }),
};

const numaFs: HostFs = {
  ...noFs,
  readdir: async (p) =>
    p === '/sys/class/net' ? ['vnet0', 'eth0', 'lo', 'eno2'] : ['node0', 'possible', 'online'],
  readFile: async (p) => {
    const nic: Record<string, string> = {
      '/sys/class/net/eth0/device/uevent': 'DRIVER=ixgbe\nPCI_CLASS=20000\n',
      '/sys/class/net/eth0/address': '02:fc:00:00:00:01\n',
      '/sys/class/net/eth0/speed': '10000\n',
      '/sys/class/net/eth0/mtu': '9000\n',
      '/sys/class/net/eno2/device/uevent': 'DRIVER=igb\n',
      '/sys/class/net/eno2/address': '02:fc:00:00:00:02\n',
      '/sys/class/net/eno2/speed': '-1\n',
      '/sys/class/net/eno2/mtu': '1500\n',
      '/sys/class/net/vnet0/address': 'fe:54:00:00:00:01\n',
      '/sys/class/net/lo/address': '00:00:00:00:00:00\n',
    };
    if (nic[p] !== undefined) return nic[p];
    if (p.endsWith('node0/cpulist')) return '0-1\n';
    if (p.endsWith('node0/meminfo')) return 'Node 0 MemTotal:        6514892 kB\n';
    if (p === '/sys/block/vda/queue/rotational') return '0\n';
    throw new Error(`ENOENT ${p}`);
  },
};

function fakeSi(calls: string[], overrides: Partial<SiSource> = {}): SiSource {
  const cpu = {
    manufacturer: 'Intel',
    brand: 'Xeon® Gold 6338',
    vendor: 'GenuineIntel',
    cores: 8,
    physicalCores: 4,
    processors: 1,
    flags: 'fpu vme vmx avx2 aes pdpe1gb sse4_2 hypervisor',
  } as Systeminformation.CpuData;
  const base: SiSource = {
    cpu: async () => (calls.push('cpu'), cpu),
    mem: async () => (calls.push('mem'), { total: 25276502016 } as Systeminformation.MemData),
    diskLayout: async () => (calls.push('diskLayout'), []),
    blockDevices: async () => (
      calls.push('blockDevices'),
      [
        {
          name: 'vda',
          type: 'disk',
          size: 274877906944,
          model: '',
          serial: '',
          device: '/dev/vda',
        },
        { name: 'vda1', type: 'part', size: 1, model: '', serial: '' },
      ] as Systeminformation.BlockDevicesData[]
    ),
    osInfo: async () => (
      calls.push('osInfo'),
      {
        distro: 'Debian GNU/Linux',
        release: '12',
        codename: 'bookworm',
        kernel: '6.1.0',
        arch: 'x64',
        hostname: 'hv1',
      } as Systeminformation.OsData
    ),
    system: async () => (
      calls.push('system'),
      {
        manufacturer: 'Dell Inc.',
        model: 'PowerEdge R650',
        serial: 'ABC123',
        uuid: 'u-1',
        virtual: false,
      } as Systeminformation.SystemData
    ),
  };
  return { ...base, ...overrides };
}

function setup(opts: { si?: SiSource; fs?: HostFs; routeTables?: string[] } = {}) {
  const now = { t: 1000 };
  const dirty: string[] = [];
  const nl = fakeNetlink();
  const tm = fakeTimers();
  const siCalls: string[] = [];
  const driver = createHostDriver(
    {
      ctx: context(now, dirty),
      openNetlink: nl.open,
      fs: opts.fs ?? noFs,
      siFacts: (ms) => collectSiFacts(opts.si ?? fakeSi(siCalls), ms),
      timers: tm.timers,
    },
    { routeTables: opts.routeTables ?? ['main'] },
  );
  return { driver, now, dirty, nl, tm, siCalls };
}

const signal = () => new AbortController().signal;

t.test('factory shape', async (t) => {
  t.equal(hostDriverFactory.name, 'host');
  t.ok(hostDriverFactory.configSchema.routeTables);
  t.ok(hostDriverFactory.configSchema.inventoryRefreshSeconds);
});

t.test('start subscribes to link, address and route groups; observe dumps', async (t) => {
  const { driver, nl } = setup();
  await driver.start!();
  t.equal(nl.state.opens, 1);
  t.equal(nl.state.groups, 0x1 | 0x10 | 0x40 | 0x100 | 0x400);
  const obs = await driver.observe(signal());
  t.same(nl.state.requests, [RTM.GETLINK, RTM.GETADDR, RTM.GETROUTE], 'one dump of each per pass');
  const kinds = new Set(obs.objects.map((o) => o.kind));
  t.same([...kinds].sort(), ['host.address', 'host.link', 'host.route']);
  t.ok(obs.objects.some((o) => o.kind === 'host.link' && o.id === 'plt-host-va'));
  t.match(obs.conditions, [{ type: 'host.routes-truncated', status: false }]);
  await driver.stop!();
  t.equal(nl.state.closes, 1);
});

t.test('notifications only mark dirty, and only when they can matter', async (t) => {
  const { driver, nl, dirty } = setup();
  await driver.start!();
  const events = loadEventFixture('netns-events.json');
  const link = events.find((e) => e.type === RTM.NEWLINK)!;
  nl.state.notify!({ ...link, flags: 0, portId: 0 });
  t.same(dirty, ['netlink']);
  nl.state.requests.length = 0;
  const local = events.find((e) => e.type === RTM.NEWROUTE && e.payload.readUInt8(4) === 255)!;
  nl.state.notify!({ ...local, flags: 0, portId: 0 });
  t.same(dirty, ['netlink'], 'a local-table route change is not watched');
  t.same(nl.state.requests, [], 'a notification never triggers a dump by itself');
  await driver.stop!();
});

t.test('a failed request drops the socket; reopen with backoff marks dirty', async (t) => {
  const { driver, nl, tm, dirty, now } = setup();
  await driver.start!();
  nl.state.failNext = 1;
  await t.rejects(driver.observe(signal()), { code: 'PLINTH_E_TIMEOUT' });
  t.equal(nl.state.closes, 1, 'the broken socket is closed');
  t.equal(tm.pending.length, 1, 'one reopen is scheduled');
  const h = await driver.health(signal());
  t.equal(h.status, 'unhealthy', 'health reports it before the reopen');
  t.equal(h.code, 'PLINTH_E_UNAVAILABLE');
  t.match(h.message, /backoff/);
  now.t += tm.pending[0]!.ms;
  tm.pending.shift()!.fn();
  await new Promise((r) => setImmediate(r));
  t.equal(nl.state.opens, 2, 'reopened');
  t.same(dirty, ['netlink-reopen'], 'notifications were lost: ask for a fresh observe');
  t.equal((await driver.health(signal())).status, 'healthy');
  t.ok((await driver.observe(signal())).objects.length > 0);
  await driver.stop!();
});

t.test('reopen attempts by timer are bounded', async (t) => {
  const { driver, nl, tm, now, dirty } = setup();
  nl.state.failOpen = true;
  await driver.start!();
  let fired = 0;
  while (tm.pending.length > 0 && fired < 100) {
    const next = tm.pending.shift()!;
    now.t += next.ms;
    next.fn();
    fired++;
    await new Promise((r) => setImmediate(r));
  }
  t.ok(fired <= 11, `timer retries stop (${fired})`);
  t.equal(tm.pending.length, 0);
  t.equal((await driver.health(signal())).status, 'unhealthy');
  nl.state.failOpen = false;
  now.t += 60_000;
  t.equal((await driver.health(signal())).status, 'healthy', 'a later request still reopens');
  t.same(dirty, ['netlink-reopen'], 'opening late still asks for a fresh observe');
  await driver.stop!();
  t.equal(tm.pending.length, 0, 'stop leaves no timer behind');
});

t.test('health is never undetected', async (t) => {
  const { driver, nl } = setup();
  nl.state.failOpen = true;
  await driver.start!();
  const h = await driver.health(signal());
  t.equal(h.status, 'unhealthy');
  await driver.stop!();
});

t.test('inventory: mapped, cached, partial on failure', async (t) => {
  const { driver, siCalls, now } = setup({ fs: numaFs });
  const inv = (await driver.inventory!(signal())) as Record<string, unknown>;
  t.match(inv, {
    cpu: {
      vendor: 'Intel',
      model: 'Intel Xeon® Gold 6338',
      sockets: 1,
      cores: 4,
      threads: 8,
      virtualization: 'vmx',
      flags: ['vmx', 'hypervisor', 'pdpe1gb', 'sse4_2', 'aes', 'avx2'],
    },
    memory: { totalBytes: 25276502016 },
    numa: [{ id: 0, cpus: '0-1', memoryBytes: 6514892 * 1024 }],
    disks: [{ name: 'vda', device: '/dev/vda', sizeBytes: 274877906944, rotational: false }],
    nics: [
      { name: 'eno2', mac: '02:fc:00:00:00:02', speedMbps: null, mtu: 1500, driver: 'igb' },
      { name: 'eth0', mac: '02:fc:00:00:00:01', speedMbps: 10000, mtu: 9000, driver: 'ixgbe' },
    ],
    os: { distro: 'Debian GNU/Linux', kernel: '6.1.0', hostname: 'hv1' },
    system: { vendor: 'Dell Inc.', model: 'PowerEdge R650', serial: 'ABC123' },
    notes: [],
  });
  t.equal((inv.disks as unknown[]).length, 1, 'partitions are not disks');
  t.equal((inv.nics as unknown[]).length, 2, 'loopback and taps are not NICs');
  const calls = siCalls.length;
  await driver.inventory!(signal());
  t.equal(siCalls.length, calls, 'cached: no systeminformation calls again');
  now.t += 3601_000;
  await driver.inventory!(signal());
  t.ok(siCalls.length > calls, 'refreshed after inventoryRefreshSeconds');
  await driver.stop!();
});

t.test('inventory: a failing or hanging part leaves a note, the rest stays', async (t) => {
  const calls: string[] = [];
  const si = fakeSi(calls, {
    system: async () => {
      throw new Error('dmidecode: permission denied');
    },
    diskLayout: () => new Promise(() => undefined),
  });
  const now = { t: 0 };
  const driver = createHostDriver(
    {
      ctx: context(now, []),
      openNetlink: fakeNetlink().open,
      fs: noFs,
      siFacts: (ms) => collectSiFacts(si, ms),
      timers: fakeTimers().timers,
    },
    { inventoryCallTimeoutMs: 100 },
  );
  const inv = (await driver.inventory!(signal())) as Record<string, unknown>;
  t.equal(inv.system, null);
  t.match(inv.cpu, { model: 'Intel Xeon® Gold 6338' });
  t.match(inv.notes, [
    /disk layout: .*100 ms/,
    /system: dmidecode: permission denied/,
    /network interfaces: ENOENT/,
  ]);
  t.same(inv.numa, [], 'no NUMA directory readable: no nodes');

  const broken = createHostDriver(
    {
      ctx: context(now, []),
      openNetlink: fakeNetlink().open,
      fs: noFs,
      siFacts: async () => {
        throw new Error('node exited with 1: Cannot find module systeminformation');
      },
      timers: fakeTimers().timers,
    },
    {},
  );
  const inv2 = (await broken.inventory!(signal())) as Record<string, unknown>;
  t.equal(inv2.cpu, null);
  t.match(inv2.notes, [
    /^systeminformation: node exited with 1: Cannot find module/,
    /^network interfaces: ENOENT/,
  ]);
});
