/**
 * Pure helpers that identify local OSD processes from /proc: which OSD a command
 * line runs and what supervises it (systemd unit, container or a bare process).
 */

/** `/proc/PID/cmdline` (NUL-separated) -> OSD id, or undefined if not a ceph-osd. */
export function osdIdFromCmdline(cmdline: string): number | undefined {
  const argv = cmdline.split('\0').filter((a) => a !== '');
  const exe = argv[0]?.split('/').pop();
  if (exe !== 'ceph-osd') return undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    let v: string | undefined;
    if (a === '-i' || a === '--id') v = next;
    else if (a.startsWith('--id=')) v = a.slice(5);
    else if (a === '-n' || a === '--name') v = next?.replace(/^osd\./, '');
    else if (a.startsWith('--name=')) v = a.slice(7).replace(/^osd\./, '');
    else if (/^-i\d+$/.test(a)) v = a.slice(2);
    if (v !== undefined && /^\d{1,6}$/.test(v)) return Number(v);
  }
  return undefined;
}

/** Process state letter from `/proc/PID/stat`; 'Z' (zombie) counts as gone. */
export function procStateFromStat(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  return stat.slice(close + 2, close + 3) || undefined;
}

export type Supervisor =
  | { kind: 'systemd'; unit: string }
  | { kind: 'container'; containerId: string }
  | { kind: 'process' };

/**
 * `/proc/PID/cgroup` -> what supervises the process. Docker puts a container in
 * `/docker/<id>` (cgroupfs) or `docker-<id>.scope` (systemd driver); a systemd
 * service sits in `.../<unit>.service`.
 */
export function supervisorFromCgroup(cgroup: string): Supervisor {
  for (const line of cgroup.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    const docker = /(?:\/docker\/|docker-)([0-9a-f]{64})(?:\.scope)?(?:\/|$)/.exec(path);
    if (docker) return { kind: 'container', containerId: docker[1]! };
  }
  for (const line of cgroup.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    const unit = path
      .split('/')
      .filter((s) => s.endsWith('.service'))
      .pop();
    if (unit) return { kind: 'systemd', unit };
  }
  return { kind: 'process' };
}

/** Candidate admin socket paths of OSD `id`: plain packages, then cephadm's per-fsid dir. */
export function adminSocketCandidates(dir: string, id: number, fsid?: string): string[] {
  const out = [`${dir}/ceph-osd.${id}.asok`];
  if (fsid) out.push(`${dir}/${fsid}/ceph-osd.${id}.asok`);
  return out;
}
