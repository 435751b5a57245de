/** Pure parsers for the /proc files the host metrics read at scrape time. */

/** /proc/stat counts in USER_HZ, which the kernel ABI fixes at 100 on every Linux arch. */
export const USER_HZ = 100;

const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
export type CpuMode = (typeof CPU_MODES)[number];

/**
 * Seconds per mode summed over all CPUs, from the aggregate "cpu" line. guest and
 * guest_nice are left out: the kernel already counts them inside user and nice.
 */
export function parseProcStat(text: string): Record<CpuMode, number> | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const nums = line.trim().split(/\s+/).slice(1).map(Number);
  const out = {} as Record<CpuMode, number>;
  CPU_MODES.forEach((mode, i) => {
    const v = nums[i];
    out[mode] = v !== undefined && Number.isFinite(v) ? v / USER_HZ : 0;
  });
  return out;
}

const MEMINFO_KINDS: ReadonlyArray<[string, string]> = [
  ['MemTotal', 'total'],
  ['MemAvailable', 'available'],
  ['MemFree', 'free'],
  ['Buffers', 'buffers'],
  ['Cached', 'cached'],
  ['SwapTotal', 'swap_total'],
  ['SwapFree', 'swap_free'],
];

/** Bytes by kind; kinds missing from the file (old kernels lack MemAvailable) are absent. */
export function parseMeminfo(text: string): Map<string, number> {
  const raw = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)(\s+kB)?/.exec(line);
    if (m && m[1] && m[2]) raw.set(m[1], Number(m[2]) * (m[3] ? 1024 : 1));
  }
  const out = new Map<string, number>();
  for (const [key, kind] of MEMINFO_KINDS) {
    const v = raw.get(key);
    if (v !== undefined) out.set(kind, v);
  }
  return out;
}

export interface NetDevCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDrops: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDrops: number;
}

/** /proc/net/dev: two header lines, then "name: 8 rx fields 8 tx fields". */
export function parseNetDev(text: string): Map<string, NetDevCounters> {
  const out = new Map<string, NetDevCounters>();
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (!name || f.length < 16 || f.some((x) => !Number.isFinite(x))) continue;
    out.set(name, {
      rxBytes: f[0]!,
      rxPackets: f[1]!,
      rxErrors: f[2]!,
      rxDrops: f[3]!,
      txBytes: f[8]!,
      txPackets: f[9]!,
      txErrors: f[10]!,
      txDrops: f[11]!,
    });
  }
  return out;
}

export function parseLoadavg(
  text: string,
): { load1: number; load5: number; load15: number } | undefined {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  if (a === undefined || b === undefined || c === undefined) return undefined;
  if (![a, b, c].every(Number.isFinite)) return undefined;
  return { load1: a, load5: b, load15: c };
}

export interface MountEntry {
  source: string;
  mountPoint: string;
  fsType: string;
}

/** Filesystems that hold data on a local block device; pseudo and network ones are left out. */
export const REAL_FS_TYPES: ReadonlySet<string> = new Set([
  'ext2',
  'ext3',
  'ext4',
  'xfs',
  'btrfs',
  'zfs',
  'f2fs',
  'vfat',
  'exfat',
  'jfs',
  'reiserfs',
  'ntfs',
  'ntfs3',
  'bcachefs',
]);

/** /proc/self/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Real filesystems, one entry per source device: bind mounts of the same device (a
 * container's /etc/hosts, /run/netns) would repeat the same figures under other names.
 * The first mount of a device wins, which in mount order is its primary one.
 */
export function parseMounts(text: string): MountEntry[] {
  const seen = new Set<string>();
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [source, mp, fsType] = line.split(' ');
    if (!source || !mp || !fsType || !REAL_FS_TYPES.has(fsType)) continue;
    if (seen.has(source)) continue;
    seen.add(source);
    out.push({ source: unescapeMount(source), mountPoint: unescapeMount(mp), fsType });
  }
  return out;
}
