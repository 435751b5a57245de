import { Registry } from 'prom-client';
import t from 'tap';
import {
  HOST_METRIC_NAMES,
  linkUp,
  registerHostMetrics,
} from '../../../agent/drivers/host/metrics.js';
import {
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseProcStat,
} from '../../../agent/drivers/host/procfs-parse.js';
import { execFile } from '../../../agent/host/exec.js';
import type { HostFs } from '../../../agent/host/procfs.js';
import { isPlinthError } from '../../../lib/errors.js';
import { readFixtureText } from './fixtures.js';

// /proc files captured on the project's machine (test/fixtures/host/proc-*.txt).
const proc: Record<string, string> = {
  '/proc/stat': readFixtureText('proc-stat.txt'),
  '/proc/meminfo': readFixtureText('proc-meminfo.txt'),
  '/proc/net/dev': readFixtureText('proc-net-dev.txt'),
  '/proc/loadavg': readFixtureText('proc-loadavg.txt'),
  '/proc/self/mounts': readFixtureText('proc-mounts.txt'),
  '/sys/class/net/lo/operstate': 'unknown\n',
  '/sys/class/net/lo/flags': '0x9\n',
  '/sys/class/net/eth0/operstate': 'up\n',
  '/sys/class/net/eth0/flags': '0x1003\n',
  '/sys/class/net/ifb0/operstate': 'down\n',
  '/sys/class/net/ifb0/flags': '0x82\n',
};

function fakeFs(statfsCalls: string[] = []): HostFs {
  return {
    readFile: async (p) => {
      const v = proc[p];
      if (v === undefined) throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
      return v;
    },
    readdir: async () => [],
    statfs: async (p) => {
      statfsCalls.push(p);
      return { bsize: 4096, blocks: 1000, bavail: 250, bfree: 300 };
    },
  };
}

const clock = { now: () => 0, monotonic: () => 0 };

t.test('procfs parsers on captured files', async (t) => {
  const stat = parseProcStat(proc['/proc/stat']!);
  t.same(stat, {
    user: 281.41,
    nice: 0,
    system: 68.33,
    idle: 792.69,
    iowait: 8.68,
    irq: 0,
    softirq: 1.96,
    steal: 0.34,
  });
  const mem = parseMeminfo(proc['/proc/meminfo']!);
  t.ok((mem.get('total') ?? 0) > 1e9, 'MemTotal in bytes');
  t.ok(mem.has('available'));
  t.equal(mem.get('swap_total'), 0);
  const dev = parseNetDev(proc['/proc/net/dev']!);
  t.same([...dev.keys()], ['lo', 'ifb0', 'ifb1', 'eth0', 'ovs-netdev']);
  t.same(dev.get('eth0'), {
    rxBytes: 577778974,
    rxPackets: 17452,
    rxErrors: 0,
    rxDrops: 0,
    txBytes: 1873517,
    txPackets: 12472,
    txErrors: 0,
    txDrops: 0,
  });
  t.ok(parseLoadavg(proc['/proc/loadavg']!));
  t.equal(parseLoadavg('garbage'), undefined);
  t.same(
    parseMounts(proc['/proc/self/mounts']!),
    [{ source: '/dev/vda', mountPoint: '/', fsType: 'ext4' }],
    'bind mount of the same device and pseudo filesystems left out',
  );
  t.same(parseMounts('/dev/sdb1 /mnt/with\\040space xfs rw 0 0\n'), [
    { source: '/dev/sdb1', mountPoint: '/mnt/with space', fsType: 'xfs' },
  ]);
  t.equal(parseProcStat('nothing'), undefined);
});

t.test('link_up', async (t) => {
  t.equal(linkUp('up', '0x1003'), true);
  t.equal(linkUp('down', '0x1003'), false);
  t.equal(linkUp('unknown', '0x9'), true, 'lo: unknown operstate, admin up');
  t.equal(linkUp('unknown', '0x8'), false);
  t.equal(linkUp('lowerlayerdown', '0x1'), false);
  t.equal(linkUp(undefined, undefined), undefined);
});

t.test('metrics are registered, read at scrape time, and pass promtool', async (t) => {
  const registry = new Registry();
  const statfsCalls: string[] = [];
  registerHostMetrics(registry, { fs: fakeFs(statfsCalls), clock });
  t.same(statfsCalls, [], 'nothing is read before a scrape');
  const text = await registry.metrics();
  for (const n of HOST_METRIC_NAMES) t.match(text, new RegExp(`^# TYPE ${n} `, 'm'), n);
  t.match(text, 'plinth_host_cpu_seconds_total{mode="user"} 281.41');
  t.match(text, 'plinth_host_network_bytes_total{link="eth0",direction="rx"} 577778974');
  t.match(text, 'plinth_host_network_packets_total{link="eth0",direction="tx"} 12472');
  t.match(text, 'plinth_host_filesystem_bytes{mount="/",kind="size"} 4096000');
  t.match(text, 'plinth_host_filesystem_bytes{mount="/",kind="avail"} 1024000');
  t.match(text, 'plinth_host_link_up{link="eth0"} 1');
  t.match(text, 'plinth_host_link_up{link="lo"} 1');
  t.match(text, 'plinth_host_link_up{link="ifb0"} 0');
  t.notMatch(text, 'plinth_host_link_up{link="ifb1"}', 'no sysfs entry: no sample');
  t.match(text, /plinth_host_memory_bytes\{kind="available"\} \d+/);
  t.same(statfsCalls, ['/']);

  const again = await registry.metrics();
  t.equal(
    again.match(/plinth_host_cpu_seconds_total\{mode="user"\} [\d.]+/)?.[0],
    'plinth_host_cpu_seconds_total{mode="user"} 281.41',
    'a second scrape reports the absolute value again, not a sum',
  );

  try {
    const r = await execFile('promtool', ['check', 'metrics'], { input: text, timeoutMs: 20000 });
    t.pass(`promtool check metrics is clean ${r.stdout}${r.stderr}`);
  } catch (e) {
    if (isPlinthError(e) && e.code === 'PLINTH_E_UNAVAILABLE') {
      t.pass('promtool check metrics', {
        skip: 'promtool is not installed; the Debian package prometheus provides it',
      });
    } else {
      t.fail(`promtool check metrics: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
});

t.test('a hung statfs is skipped, not waited for on every scrape', async (t) => {
  const registry = new Registry();
  let calls = 0;
  const fs: HostFs = {
    ...fakeFs(),
    statfs: () => {
      calls++;
      return new Promise(() => undefined); // never returns, like a dead NFS server
    },
  };
  registerHostMetrics(registry, { fs, clock });
  const t0 = Date.now();
  const first = await registry.metrics();
  t.ok(Date.now() - t0 < 3000, 'first scrape bounded by the statfs deadline');
  t.notMatch(first, 'plinth_host_filesystem_bytes{');
  const t1 = Date.now();
  await registry.metrics();
  t.ok(Date.now() - t1 < 500, 'second scrape does not wait again');
  t.equal(calls, 1, 'the stuck mount is not asked again while its call hangs');
});

t.test('re-registering replaces the previous metrics', async (t) => {
  const registry = new Registry();
  registerHostMetrics(registry, { fs: fakeFs(), clock });
  t.doesNotThrow(() => registerHostMetrics(registry, { fs: fakeFs(), clock }));
});
