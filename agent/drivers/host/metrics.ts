import { Counter, Gauge, type Registry } from 'prom-client';
import { isValidName } from '../../../lib/names.js';
import type { Clock } from '../../host/clock.js';
import type { HostFs } from '../../host/procfs.js';
import {
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseProcStat,
  type NetDevCounters,
} from './procfs-parse.js';

/**
 * Host basics, read at scrape time from /proc and /sys (never a spawned process,
 * never a timer): a scrape costs a handful of small file reads and one statfs per
 * real filesystem.
 */

export interface HostMetricsDeps {
  fs: HostFs;
  clock: Clock;
}

export const HOST_METRIC_NAMES = [
  'plinth_host_cpu_seconds_total',
  'plinth_host_memory_bytes',
  'plinth_host_filesystem_bytes',
  'plinth_host_network_bytes_total',
  'plinth_host_network_packets_total',
  'plinth_host_network_errors_total',
  'plinth_host_network_drops_total',
  'plinth_host_link_up',
  'plinth_host_load1',
] as const;

/** A statfs on a hung filesystem must not hold up the scrape. */
const STATFS_TIMEOUT_MS = 1000;
/** The four network counters and link_up share one read of /proc/net/dev per scrape. */
const NETDEV_REUSE_MS = 500;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), ms);
    p.then(
      (v) => resolve(v),
      () => resolve(undefined),
    ).finally(() => clearTimeout(t));
  });
}

/** A previous scrape's metric of the same name (a re-created driver) is replaced. */
function fresh(registry: Registry, name: string): void {
  if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
}

export function registerHostMetrics(registry: Registry, deps: HostMetricsDeps): void {
  for (const n of HOST_METRIC_NAMES) fresh(registry, n);
  const { fs, clock } = deps;
  const read = (p: string) => fs.readFile(p).catch(() => undefined);

  let netdev: { at: number; value: Promise<Map<string, NetDevCounters>> } | undefined;
  const netDev = () => {
    const now = clock.monotonic();
    if (!netdev || now - netdev.at > NETDEV_REUSE_MS) {
      netdev = {
        at: now,
        value: read('/proc/net/dev').then((t) => (t ? parseNetDev(t) : new Map())),
      };
    }
    return netdev.value;
  };

  new Counter({
    name: 'plinth_host_cpu_seconds_total',
    help: 'CPU time of the whole host in seconds, summed over all CPUs, by mode (/proc/stat).',
    labelNames: ['mode'],
    registers: [registry],
    async collect() {
      const t = await read('/proc/stat');
      const stat = t ? parseProcStat(t) : undefined;
      this.reset();
      if (!stat) return;
      for (const [mode, secs] of Object.entries(stat)) this.inc({ mode }, secs);
    },
  });

  new Gauge({
    name: 'plinth_host_memory_bytes',
    help: 'Host memory in bytes by kind (total, available, free, buffers, cached, swap_total, swap_free).',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const t = await read('/proc/meminfo');
      this.reset();
      if (!t) return;
      for (const [kind, bytes] of parseMeminfo(t)) this.set({ kind }, bytes);
    },
  });

  const pendingStatfs = new Set<string>();
  new Gauge({
    name: 'plinth_host_filesystem_bytes',
    help: 'Size and space available to unprivileged users, in bytes, of each real filesystem (kind = size, avail).',
    labelNames: ['mount', 'kind'],
    registers: [registry],
    async collect() {
      const t = await read('/proc/self/mounts');
      const mounts = t ? parseMounts(t) : [];
      const results = await Promise.all(
        mounts.map(async (m) => {
          // Still waiting on last scrape's statfs: the filesystem hangs; skip it.
          if (pendingStatfs.has(m.mountPoint)) return undefined;
          pendingStatfs.add(m.mountPoint);
          const call = fs.statfs(m.mountPoint).finally(() => pendingStatfs.delete(m.mountPoint));
          const s = await withTimeout(call, STATFS_TIMEOUT_MS);
          return s ? { mount: m.mountPoint, s } : undefined;
        }),
      );
      this.reset();
      for (const r of results) {
        if (!r) continue;
        this.set({ mount: r.mount, kind: 'size' }, r.s.blocks * r.s.bsize);
        this.set({ mount: r.mount, kind: 'avail' }, r.s.bavail * r.s.bsize);
      }
    },
  });

  const netCounter = (
    name: string,
    help: string,
    rx: keyof NetDevCounters,
    tx: keyof NetDevCounters,
  ) =>
    new Counter({
      name,
      help,
      labelNames: ['link', 'direction'],
      registers: [registry],
      async collect() {
        const dev = await netDev();
        this.reset();
        for (const [link, c] of dev) {
          this.inc({ link, direction: 'rx' }, c[rx]);
          this.inc({ link, direction: 'tx' }, c[tx]);
        }
      },
    });
  netCounter(
    'plinth_host_network_bytes_total',
    'Bytes received (rx) and sent (tx) per network link (/proc/net/dev).',
    'rxBytes',
    'txBytes',
  );
  netCounter(
    'plinth_host_network_packets_total',
    'Packets received (rx) and sent (tx) per network link.',
    'rxPackets',
    'txPackets',
  );
  netCounter(
    'plinth_host_network_errors_total',
    'Receive (rx) and transmit (tx) errors per network link.',
    'rxErrors',
    'txErrors',
  );
  netCounter(
    'plinth_host_network_drops_total',
    'Packets dropped on receive (rx) and transmit (tx) per network link.',
    'rxDrops',
    'txDrops',
  );

  new Gauge({
    name: 'plinth_host_link_up',
    help: '1 when the link operational state is up (or unknown with the link administratively up, as lo), else 0.',
    labelNames: ['link'],
    registers: [registry],
    async collect() {
      const links = [...(await netDev()).keys()].filter((l) => isValidName('ifName', l));
      const states = await Promise.all(
        links.map(async (link) => {
          const [oper, flags] = await Promise.all([
            read(`/sys/class/net/${link}/operstate`),
            read(`/sys/class/net/${link}/flags`),
          ]);
          return { link, up: linkUp(oper?.trim(), flags?.trim()) };
        }),
      );
      this.reset();
      for (const s of states) if (s.up !== undefined) this.set({ link: s.link }, s.up ? 1 : 0);
    },
  });

  new Gauge({
    name: 'plinth_host_load1',
    help: 'Host load average over one minute (/proc/loadavg).',
    registers: [registry],
    async collect() {
      const t = await read('/proc/loadavg');
      const l = t ? parseLoadavg(t) : undefined;
      if (l) this.set(l.load1);
    },
  });
}

/**
 * Virtual links without carrier reporting (lo, some tunnels) stay in "unknown"
 * forever: for them the administrative flag is the best answer.
 */
export function linkUp(
  operstate: string | undefined,
  flags: string | undefined,
): boolean | undefined {
  if (operstate === undefined) return undefined;
  if (operstate === 'up') return true;
  if (operstate === 'unknown' && flags !== undefined) return (parseInt(flags, 16) & 0x1) === 1;
  return false;
}
