import type { Systeminformation } from 'systeminformation';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { isValidName } from '../../../lib/names.js';
import type { HostFs } from '../../host/procfs.js';

/**
 * The host's static facts for the Hello message. Gathered at start and on a slow
 * refresh only: systeminformation spawns lsblk, dmidecode and friends. Each part has
 * its own deadline; a part that fails or times out is left empty with a note, so one
 * broken tool never costs the coordinator the rest of the inventory.
 *
 * Type aliases rather than interfaces so the whole shape is assignable to JsonObject.
 */
export type HostInventory = {
  cpu: CpuInventory | null;
  memory: { totalBytes: number } | null;
  /** Empty on machines without /sys/devices/system/node (non-NUMA kernels). */
  numa: NumaNode[];
  disks: DiskInventory[];
  nics: NicInventory[];
  os: OsInventory | null;
  system: SystemInventory | null;
  /** Wall-clock ms when gathered. */
  gatheredAt: number;
  /** One line per part that could not be read. Empty when complete. */
  notes: string[];
};

export type CpuInventory = {
  vendor: string;
  model: string;
  sockets: number;
  cores: number;
  threads: number;
  /** 'vmx' (Intel VT-x), 'svm' (AMD-V) or null: no hardware virtualisation exposed. */
  virtualization: 'vmx' | 'svm' | null;
  /** The subset of /proc/cpuinfo flags that matters to placing and configuring guests. */
  flags: string[];
};

export type NumaNode = {
  id: number;
  /** Kernel cpulist format, e.g. "0-15,32-47". */
  cpus: string;
  memoryBytes: number | null;
};

export type DiskInventory = {
  name: string;
  device: string;
  sizeBytes: number;
  model: string;
  serial: string;
  /** From /sys/block/NAME/queue/rotational; null when unknown. */
  rotational: boolean | null;
  /** 'HD', 'SSD', 'NVMe', ... as systeminformation reports it; '' when unknown. */
  type: string;
};

/** Hardware NICs only: taps, bridges and veths come and go with guests. */
export type NicInventory = {
  name: string;
  mac: string;
  /** Mb/s; null when the link has no negotiated speed (down, or not reported). */
  speedMbps: number | null;
  mtu: number | null;
  /** Kernel driver, e.g. ixgbe, mlx5_core, virtio_net. */
  driver: string;
};

export type OsInventory = {
  distro: string;
  release: string;
  codename: string;
  kernel: string;
  arch: string;
  hostname: string;
};

export type SystemInventory = {
  vendor: string;
  model: string;
  serial: string;
  uuid: string;
  virtual: boolean;
};

/** The flags a scheduler or a libvirt CPU model cares about. */
export const VM_RELEVANT_CPU_FLAGS: readonly string[] = [
  'vmx',
  'svm',
  'ept',
  'vpid',
  'npt',
  'hypervisor',
  'lm',
  'nx',
  'pdpe1gb',
  'pse',
  'pae',
  'sse4_1',
  'sse4_2',
  'ssse3',
  'popcnt',
  'aes',
  'pclmulqdq',
  'avx',
  'avx2',
  'avx512f',
  'avx512bw',
  'avx512dq',
  'avx512vl',
  'avx512cd',
  'fma',
  'f16c',
  'bmi1',
  'bmi2',
  'movbe',
  'rdrand',
  'rdseed',
  'sha_ni',
  'x2apic',
  'tsc_deadline_timer',
  'constant_tsc',
  'nonstop_tsc',
  'invpcid',
  'pcid',
  'smep',
  'smap',
  'xsave',
  'vaes',
  'gfni',
  'amx_tile',
];

/** The systeminformation calls used; tests pass a literal. */
export interface SiSource {
  cpu(): Promise<Systeminformation.CpuData>;
  mem(): Promise<Systeminformation.MemData>;
  diskLayout(): Promise<Systeminformation.DiskLayoutData[]>;
  blockDevices(): Promise<Systeminformation.BlockDevicesData[]>;
  osInfo(): Promise<Systeminformation.OsData>;
  system(): Promise<Systeminformation.SystemData>;
}

/** In call order: one at a time, several run child processes and the agent has a CPU budget. */
export const SI_CALLS = ['cpu', 'mem', 'diskLayout', 'blockDevices', 'osInfo', 'system'] as const;
export type SiCall = (typeof SI_CALLS)[number];

/** How a call is named in `notes`. */
export const SI_CALL_LABELS: Readonly<Record<SiCall, string>> = {
  cpu: 'cpu',
  mem: 'memory',
  diskLayout: 'disk layout',
  blockDevices: 'block devices',
  osInfo: 'os',
  system: 'system',
};

export type SiFact<T> = { ok: true; value: T } | { ok: false; error: string };
/** The raw result of every systeminformation call: plain JSON, so it can cross a pipe. */
export type SiFacts = { [K in SiCall]: SiFact<Awaited<ReturnType<SiSource[K]>>> };

/**
 * Runs the systeminformation calls, each under `callTimeoutMs`. In production this
 * runs in a short-lived child process (si-facts-child.ts), never in the agent.
 */
export type SiFactsSource = (callTimeoutMs: number, signal?: AbortSignal) => Promise<SiFacts>;

export interface InventoryDeps {
  siFacts: SiFactsSource;
  fs: Pick<HostFs, 'readFile' | 'readdir'>;
  now: () => number;
}

// ---- pure mapping ---------------------------------------------------------------

export function mapCpu(c: Systeminformation.CpuData): CpuInventory {
  const all = new Set(c.flags.split(/\s+/).filter(Boolean));
  return {
    vendor: c.manufacturer || c.vendor,
    model: c.brand ? `${c.manufacturer} ${c.brand}`.trim() : c.manufacturer,
    sockets: c.processors || 1,
    cores: c.physicalCores,
    threads: c.cores,
    virtualization: all.has('vmx') ? 'vmx' : all.has('svm') ? 'svm' : null,
    flags: VM_RELEVANT_CPU_FLAGS.filter((f) => all.has(f)),
  };
}

/** "Node 0 MemTotal:  6514892 kB" from /sys/devices/system/node/nodeN/meminfo. */
export function parseNodeMemTotal(text: string): number | null {
  const m = /MemTotal:\s+(\d+)\s*kB/.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

export function mapDisks(
  layout: readonly Systeminformation.DiskLayoutData[],
  blocks: readonly Systeminformation.BlockDevicesData[],
  rotational: ReadonlyMap<string, boolean>,
): DiskInventory[] {
  const devName = (device: string) => device.replace(/^\/dev\//, '');
  // diskLayout has model/serial/type but comes back empty where lsblk's output
  // lacks what it expects (containers, some VMs); lsblk via blockDevices is the floor.
  const fromLayout = layout.map((d) => {
    const name = devName(d.device);
    return {
      name,
      device: d.device,
      sizeBytes: d.size,
      model: d.name || '',
      serial: d.serialNum || '',
      rotational: rotational.get(name) ?? (d.type === 'HD' ? true : d.type ? false : null),
      type: d.type || '',
    };
  });
  const seen = new Set(fromLayout.map((d) => d.name));
  const fromBlocks = blocks
    .filter((b) => b.type === 'disk' && b.size > 0 && !seen.has(b.name))
    .map((b) => ({
      name: b.name,
      device: b.device ?? `/dev/${b.name}`,
      sizeBytes: b.size,
      model: b.model || '',
      serial: b.serial || '',
      rotational: rotational.get(b.name) ?? null,
      type: '',
    }));
  return [...fromLayout, ...fromBlocks].sort((a, b) => a.name.localeCompare(b.name));
}

/** One NIC read from /sys/class/net/NAME: `device/uevent` exists only for hardware. */
export function mapNic(
  name: string,
  files: { uevent?: string; address?: string; speed?: string; mtu?: string },
): NicInventory | undefined {
  if (files.uevent === undefined) return undefined;
  const speed = Number(files.speed?.trim());
  const mtu = Number(files.mtu?.trim());
  return {
    name,
    mac: files.address?.trim() ?? '',
    // speed reads EINVAL while the link is down and -1 on NICs that do not report it.
    speedMbps: Number.isInteger(speed) && speed > 0 ? speed : null,
    mtu: Number.isInteger(mtu) && mtu > 0 ? mtu : null,
    driver: /^DRIVER=(.*)$/m.exec(files.uevent)?.[1] ?? '',
  };
}

export function mapOs(o: Systeminformation.OsData): OsInventory {
  return {
    distro: o.distro,
    release: o.release,
    codename: o.codename,
    kernel: o.kernel,
    arch: o.arch,
    hostname: o.hostname,
  };
}

export function mapSystem(s: Systeminformation.SystemData): SystemInventory {
  const clean = (v: string) => (v === '-' ? '' : v);
  return {
    vendor: clean(s.manufacturer),
    model: clean(s.model),
    serial: clean(s.serial),
    uuid: clean(s.uuid),
    virtual: s.virtual,
  };
}

// ---- gathering --------------------------------------------------------------------

function withDeadline<T>(
  p: Promise<T>,
  ms: number,
  what: string,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // systeminformation cannot cancel its children: past the deadline we stop waiting.
    const timer = setTimeout(
      () => reject(new PlinthError(ErrorCodes.TIMEOUT, `${what} took longer than ${ms} ms`)),
      ms,
    );
    const onAbort = () => reject(new PlinthError(ErrorCodes.TIMEOUT, `${what} aborted`));
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}

/** Every call gets its own deadline; a failed call is recorded, the next one still runs. */
export async function collectSiFacts(si: SiSource, callTimeoutMs: number): Promise<SiFacts> {
  const out: Partial<Record<SiCall, SiFact<unknown>>> = {};
  for (const call of SI_CALLS) {
    try {
      const value = await withDeadline(
        (si[call] as () => Promise<unknown>)(),
        callTimeoutMs,
        SI_CALL_LABELS[call],
      );
      out[call] = { ok: true, value };
    } catch (e) {
      out[call] = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
  return out as SiFacts;
}

async function readNuma(fs: InventoryDeps['fs']): Promise<NumaNode[]> {
  const base = '/sys/devices/system/node';
  let entries: string[];
  try {
    entries = await fs.readdir(base);
  } catch {
    return [];
  }
  const ids = entries
    .map((e) => /^node(\d+)$/.exec(e)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  return Promise.all(
    ids.map(async (id) => {
      const [cpus, mem] = await Promise.all([
        fs.readFile(`${base}/node${id}/cpulist`).catch(() => ''),
        fs.readFile(`${base}/node${id}/meminfo`).catch(() => ''),
      ]);
      return { id, cpus: cpus.trim(), memoryBytes: parseNodeMemTotal(mem) };
    }),
  );
}

/**
 * Read from sysfs rather than systeminformation's networkInterfaces(), which runs a
 * synchronous shell with ~25 `cat`s per interface and would block the event loop
 * for seconds on a hypervisor with many interfaces.
 */
async function readNics(fs: InventoryDeps['fs']): Promise<NicInventory[]> {
  const base = '/sys/class/net';
  const names = (await fs.readdir(base)).filter((n) => isValidName('ifName', n)).sort();
  const nics = await Promise.all(
    names.map(async (n) => {
      const get = (f: string) => fs.readFile(`${base}/${n}/${f}`).catch(() => undefined);
      const [uevent, address, speed, mtu] = await Promise.all([
        get('device/uevent'),
        get('address'),
        get('speed'),
        get('mtu'),
      ]);
      return mapNic(n, { uevent, address, speed, mtu });
    }),
  );
  return nics.filter((x): x is NicInventory => x !== undefined);
}

async function readRotational(
  fs: InventoryDeps['fs'],
  names: readonly string[],
): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  await Promise.all(
    names.map(async (n) => {
      if (!isValidName('objectName', n)) return;
      const v = await fs.readFile(`/sys/block/${n}/queue/rotational`).catch(() => '');
      if (v.trim() === '1') out.set(n, true);
      else if (v.trim() === '0') out.set(n, false);
    }),
  );
  return out;
}

export async function gatherInventory(
  deps: InventoryDeps,
  callTimeoutMs: number,
  signal?: AbortSignal,
): Promise<HostInventory> {
  const notes: string[] = [];
  const part = async <T>(what: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await withDeadline(fn(), callTimeoutMs, what, signal);
    } catch (e) {
      notes.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  };
  let facts: SiFacts | null = null;
  try {
    // No deadline of ours: the source bounds the whole run (the child's exec timeout).
    facts = await deps.siFacts(callTimeoutMs, signal);
  } catch (e) {
    notes.push(`systeminformation: ${e instanceof Error ? e.message : String(e)}`);
  }
  const fact = <K extends SiCall>(call: K): Extract<SiFacts[K], { ok: true }>['value'] | null => {
    const f = facts?.[call];
    if (!f) return null;
    if (f.ok) return f.value as Extract<SiFacts[K], { ok: true }>['value'];
    notes.push(`${SI_CALL_LABELS[call]}: ${f.error}`);
    return null;
  };
  const cpu = fact('cpu');
  const mem = fact('mem');
  const layout = fact('diskLayout');
  const blocks = fact('blockDevices');
  const os = fact('osInfo');
  const system = fact('system');
  const numa = (await part('numa', () => readNuma(deps.fs))) ?? [];
  const nics = (await part('network interfaces', () => readNics(deps.fs))) ?? [];
  const diskNames = [
    ...(layout ?? []).map((d) => d.device.replace(/^\/dev\//, '')),
    ...(blocks ?? []).filter((b) => b.type === 'disk').map((b) => b.name),
  ];
  const rotational =
    (await part('rotational', () => readRotational(deps.fs, diskNames))) ?? new Map();
  return {
    cpu: cpu ? mapCpu(cpu) : null,
    memory: mem ? { totalBytes: mem.total } : null,
    numa,
    disks: mapDisks(layout ?? [], blocks ?? [], rotational),
    nics,
    os: os ? mapOs(os) : null,
    system: system ? mapSystem(system) : null,
    gatheredAt: deps.now(),
    notes,
  };
}
