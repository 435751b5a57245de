import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { execFile, type Exec } from '../../agent/host/exec.js';

/**
 * Samples every lab host's libvirt while a test runs and reports any VM (uuid) seen
 * running on two hosts at once: the one thing issue 10 must never let happen.
 *
 * Two sources per host and per sample, because either alone can be fooled:
 * - libvirt (`virsh list --uuid --state-running` against the host's own libvirtd socket):
 *   what the host's hypervisor says runs. A frozen or dead libvirtd gives no answer,
 *   which is counted, never read as "nothing runs".
 * - processes: every `qemu-system-*` in the host's network namespace, its `-uuid` and its
 *   start time from /proc. A QEMU runs whether or not libvirtd still answers, and its
 *   start time dates the copy exactly.
 *
 * A uuid's sightings on one host form runs (spans from the first to the last sample that
 * saw it, a gap in sightings ends a run). Two runs of one uuid on two hosts that overlap
 * in time are a duplicate, even when no single sample caught both.
 */

export interface SamplerHost {
  id: string;
  /** qemu+unix:///system?socket=... as seen from the root namespace. */
  libvirtUri: string;
  /** The host's network namespace name (for the QEMU process source); omit to skip it. */
  netns?: string;
}

export interface SamplerOptions {
  /** Pause between samples (default 400 ms, at least 100). */
  intervalMs?: number;
  /** Bound of one virsh call (default 3000 ms). */
  virshTimeoutMs?: number;
  /** Bound of the whole sampling (default 20 min): the sampler stops itself after it. */
  maxDurationMs?: number;
  /** Injected for tests; default agent/host/exec.ts. */
  exec?: Exec;
  /** Injected for tests: wall clock in ms. */
  now?: () => number;
  /** Injected for tests: running QEMU processes per netns name; default reads /proc. */
  qemuProcesses?: (netns: readonly string[]) => Map<string, QemuProcess[]>;
}

export interface QemuProcess {
  pid: number;
  uuid: string;
  /** Wall-clock start of the process, ms. */
  startedMs: number;
}

export type Source = 'libvirt' | 'process';

export interface Sighting {
  source: Source;
  host: string;
  uuid: string;
  /** Time window the sample covers (start of the query to its answer), ms. */
  fromMs: number;
  toMs: number;
}

export interface Run {
  source: Source;
  host: string;
  uuid: string;
  fromMs: number;
  toMs: number;
}

export interface Duplicate {
  uuid: string;
  source: Source;
  a: Run;
  b: Run;
  message: string;
}

export interface SamplerReport {
  samples: number;
  /** Per host: libvirt queries that failed (power-off, frozen daemon) and the last error. */
  libvirtErrors: Record<string, { count: number; last: string }>;
  /** Every uuid ever seen running, with the hosts it ran on (in order of first sighting). */
  seen: Record<string, string[]>;
  runs: Run[];
  duplicates: Duplicate[];
  durationMs: number;
}

export interface Sampler {
  /** Report so far (sampling continues). */
  report(): SamplerReport;
  /** Stop sampling (waits for the sample in flight) and report. */
  stop(): Promise<SamplerReport>;
  /** The hosts a uuid has been seen running on so far. */
  hostsOf(uuid: string): string[];
}

/**
 * Fold sightings into runs, per (source, host, uuid). A run continues as long as each
 * sample of that host saw the uuid; `sampleStarts[source:host]` lists when every sample
 * of that host began, so a sample that did not see the uuid ends its run.
 */
export class RunBook {
  private readonly open = new Map<string, Run>();
  readonly closed: Run[] = [];

  /** One sample of one host and source: the uuids it saw running, at [fromMs, toMs]. */
  add(
    source: Source,
    host: string,
    uuids: Iterable<string>,
    fromMs: number,
    toMs: number,
    startedMs?: Map<string, number>,
  ): void {
    const seenNow = new Set<string>();
    for (const raw of uuids) {
      const uuid = raw.toLowerCase();
      seenNow.add(uuid);
      const key = `${source}|${host}|${uuid}`;
      const r = this.open.get(key);
      // A QEMU's own start time dates the run more precisely than the sample.
      const from = Math.min(fromMs, startedMs?.get(uuid) ?? fromMs);
      if (r) r.toMs = toMs;
      else this.open.set(key, { source, host, uuid, fromMs: from, toMs });
    }
    for (const [key, r] of this.open) {
      if (r.source !== source || r.host !== host || seenNow.has(r.uuid)) continue;
      this.closed.push(r);
      this.open.delete(key);
    }
  }

  runs(): Run[] {
    return [...this.closed, ...[...this.open.values()].map((r) => ({ ...r }))];
  }
}

/** Pure: runs of one uuid from one source on two different hosts that overlap in time. */
export function findDuplicates(runs: readonly Run[]): Duplicate[] {
  const out: Duplicate[] = [];
  const byKey = new Map<string, Run[]>();
  for (const r of runs) {
    const k = `${r.source}|${r.uuid}`;
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  for (const list of byKey.values()) {
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        if (a.host === b.host) continue;
        if (a.fromMs <= b.toMs && b.fromMs <= a.toMs) {
          const iso = (ms: number) => new Date(ms).toISOString().slice(11, 23);
          out.push({
            uuid: a.uuid,
            source: a.source,
            a,
            b,
            message: `${a.uuid} ran on ${a.host} (${iso(a.fromMs)}-${iso(a.toMs)}) and on ${b.host} (${iso(b.fromMs)}-${iso(b.toMs)}) at the same time (${a.source})`,
          });
        }
      }
  }
  return out;
}

/** Pure: uuids out of `virsh list --uuid` output. */
export function parseVirshUuids(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim().toLowerCase())
    .filter((l) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(l));
}

/** Pure: the `-uuid X` of a QEMU command line (NUL-separated /proc cmdline). */
export function qemuUuid(cmdline: string): string | undefined {
  const argv = cmdline.split('\0');
  const i = argv.indexOf('-uuid');
  const u = i >= 0 ? argv[i + 1] : undefined;
  return u && /^[0-9a-f-]{36}$/i.test(u) ? u.toLowerCase() : undefined;
}

function clockTicks(): number {
  // getconf CLK_TCK is 100 on every Linux this runs on; /proc gives no other way.
  return 100;
}

/** Running QEMUs per lab netns, from /proc (no process spawned). */
export function procQemus(netns: readonly string[]): Map<string, QemuProcess[]> {
  const out = new Map<string, QemuProcess[]>();
  const inode = new Map<number, string>();
  for (const ns of netns) {
    try {
      inode.set(statSync(`/run/netns/${ns}`).ino, ns);
    } catch {
      /* namespace not there (lab down) */
    }
    out.set(ns, []);
  }
  let uptime: number;
  try {
    uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  } catch {
    return out;
  }
  const bootMs = Date.now() - uptime * 1000;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (!readFileSync(`/proc/${p}/comm`, 'utf8').startsWith('qemu-system')) continue;
      const link = readlinkSync(`/proc/${p}/ns/net`);
      const ns = inode.get(Number(/\[(\d+)\]/.exec(link)?.[1]));
      if (!ns) continue;
      const uuid = qemuUuid(readFileSync(`/proc/${p}/cmdline`, 'utf8'));
      if (!uuid) continue;
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the ")" of comm; starttime is field 22 overall, index 19 after it.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue;
      const startedMs = bootMs + (Number(rest[19]) / clockTicks()) * 1000;
      out.get(ns)!.push({ pid: Number(p), uuid, startedMs });
    } catch {
      /* the process went away meanwhile */
    }
  }
  return out;
}

/** Start sampling now; always call stop() (t.teardown) — it also stops itself at maxDurationMs. */
export function startLibvirtSampler(
  hosts: readonly SamplerHost[],
  o: SamplerOptions = {},
): Sampler {
  const exec = o.exec ?? execFile;
  const now = o.now ?? Date.now;
  const intervalMs = Math.max(100, o.intervalMs ?? 400);
  const virshTimeoutMs = o.virshTimeoutMs ?? 3000;
  const maxDurationMs = o.maxDurationMs ?? 20 * 60_000;
  const qemus = o.qemuProcesses ?? procQemus;
  const book = new RunBook();
  const errors: Record<string, { count: number; last: string }> = {};
  const seen = new Map<string, string[]>();
  const started = now();
  let samples = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const note = (uuid: string, host: string) => {
    const list = seen.get(uuid) ?? [];
    if (!list.includes(host)) seen.set(uuid, [...list, host]);
  };

  const sampleLibvirt = async (h: SamplerHost) => {
    const from = now();
    try {
      const r = await exec(
        'virsh',
        ['-q', '-c', h.libvirtUri, 'list', '--uuid', '--state-running'],
        { timeoutMs: virshTimeoutMs },
      );
      const uuids = parseVirshUuids(r.stdout);
      book.add('libvirt', h.id, uuids, from, now());
      for (const u of uuids) note(u, h.id);
    } catch (e) {
      // Unknown is not empty: keep this host's runs open, only count the failure.
      const x = (errors[h.id] ??= { count: 0, last: '' });
      x.count++;
      x.last = (e as Error).message.split('\n')[0]!.slice(0, 200);
    }
  };

  const sampleProcesses = () => {
    const withNs = hosts.filter((h) => h.netns);
    if (!withNs.length) return;
    const from = now();
    const byNs = qemus(withNs.map((h) => h.netns!));
    const to = now();
    for (const h of withNs) {
      const list = byNs.get(h.netns!) ?? [];
      book.add(
        'process',
        h.id,
        list.map((p) => p.uuid),
        from,
        to,
        new Map(list.map((p) => [p.uuid, p.startedMs])),
      );
      for (const p of list) note(p.uuid, h.id);
    }
  };

  const tick = () => {
    if (stopped) return;
    if (now() - started > maxDurationMs) {
      stopped = true;
      return;
    }
    inFlight = (async () => {
      sampleProcesses();
      await Promise.all(hosts.map(sampleLibvirt));
      samples++;
    })().finally(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();

  const report = (): SamplerReport => {
    const runs = book.runs();
    return {
      samples,
      libvirtErrors: { ...errors },
      seen: Object.fromEntries(seen),
      runs,
      duplicates: findDuplicates(runs),
      durationMs: now() - started,
    };
  };

  return {
    report,
    hostsOf: (uuid) => [...(seen.get(uuid.toLowerCase()) ?? [])],
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
      return report();
    },
  };
}

/** One line per duplicate, for a test's failure message. */
export function describeDuplicates(r: SamplerReport): string {
  if (!r.duplicates.length)
    return `no VM ran on two hosts (${r.samples} samples over ${(r.durationMs / 1000).toFixed(0)} s)`;
  return r.duplicates.map((d) => d.message).join('\n');
}
