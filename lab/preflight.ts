import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { ErrorCodes, PlinthError } from '../lib/errors.js';

/** What the lab runs, and the Debian package that ships it. */
export const REQUIRED: readonly { path: string; pkg: string }[] = [
  { path: '/usr/sbin/ip', pkg: 'iproute2' },
  { path: '/usr/bin/unshare', pkg: 'util-linux' },
  { path: '/usr/bin/nsenter', pkg: 'util-linux' },
  { path: '/usr/bin/setsid', pkg: 'util-linux' },
  { path: '/usr/bin/perl', pkg: 'perl-base' },
  { path: '/usr/sbin/libvirtd', pkg: 'libvirt-daemon-system' },
  { path: '/usr/sbin/virtlogd', pkg: 'libvirt-daemon-system' },
  { path: '/usr/bin/virsh', pkg: 'libvirt-clients' },
  { path: '/usr/bin/qemu-system-x86_64', pkg: 'qemu-system-x86' },
  { path: '/usr/sbin/ovsdb-server', pkg: 'openvswitch-switch' },
  { path: '/usr/sbin/ovs-vswitchd', pkg: 'openvswitch-switch' },
  { path: '/usr/bin/ovsdb-tool', pkg: 'openvswitch-switch' },
  { path: '/usr/bin/ovs-vsctl', pkg: 'openvswitch-switch' },
  { path: '/usr/share/openvswitch/vswitch.ovsschema', pkg: 'openvswitch-common' },
  { path: '/usr/lib/frr/zebra', pkg: 'frr' },
  { path: '/usr/lib/frr/bgpd', pkg: 'frr' },
  { path: '/usr/bin/vtysh', pkg: 'frr' },
  { path: '/usr/bin/ipmi_sim', pkg: 'openipmi' },
  { path: '/usr/bin/sdrcomp', pkg: 'openipmi' },
  { path: '/usr/bin/ipmitool', pkg: 'ipmitool' },
  { path: '/bin/busybox', pkg: 'busybox-static' },
  { path: '/usr/bin/cpio', pkg: 'cpio' },
];

export const CEPH_REQUIRED: readonly { path: string; pkg: string }[] = [
  { path: '/usr/bin/ceph-mon', pkg: 'ceph-mon' },
  { path: '/usr/bin/ceph-osd', pkg: 'ceph-osd' },
  { path: '/usr/bin/ceph-mgr', pkg: 'ceph-mgr' },
  { path: '/usr/bin/ceph', pkg: 'ceph-common' },
  { path: '/usr/bin/monmaptool', pkg: 'ceph-common' },
];

/** Every problem that stops `lab up`, each naming its fix; [] when it can run. */
export function preflightProblems(opts: { ceph?: boolean; distMain?: string }): string[] {
  const out: string[] = [];
  if (process.getuid?.() !== 0)
    out.push(
      'plinth lab needs root (network and mount namespaces, bind mounts, daemons): run it with sudo',
    );
  const missing = new Map<string, string[]>();
  for (const r of [...REQUIRED, ...(opts.ceph ? CEPH_REQUIRED : [])]) {
    try {
      accessSync(r.path, r.path.endsWith('.ovsschema') ? constants.R_OK : constants.X_OK);
    } catch {
      missing.set(r.pkg, [...(missing.get(r.pkg) ?? []), r.path]);
    }
  }
  for (const [pkg, paths] of missing)
    out.push(`${paths.join(', ')} missing: apt-get install ${pkg}`);
  if (!findKernelIn('/boot'))
    out.push(
      'no /boot/vmlinuz-*-cloud-amd64 for the lab guests: apt-get install linux-image-cloud-amd64',
    );
  try {
    execFileSync('id', ['-u', 'frr'], { stdio: 'ignore', timeout: 5000 });
  } catch {
    out.push('user frr does not exist: apt-get install frr (it creates the user)');
  }
  try {
    execFileSync('id', ['-u', 'libvirt-qemu'], { stdio: 'ignore', timeout: 5000 });
  } catch {
    out.push('user libvirt-qemu does not exist: apt-get install libvirt-daemon-system');
  }
  if (opts.distMain && !existsSync(opts.distMain))
    out.push(`${opts.distMain} is missing: run \`npm run build\` in the plinth tree first`);
  return out;
}

export function assertPreflight(opts: { ceph?: boolean; distMain?: string }): void {
  const p = preflightProblems(opts);
  if (p.length)
    throw new PlinthError(
      p.some((x) => x.includes('root')) ? ErrorCodes.PERMISSION_DENIED : ErrorCodes.UNAVAILABLE,
      `cannot start the lab:\n  - ${p.join('\n  - ')}`,
    );
}

export function findKernelIn(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const names = readdirSync(dir).filter((n) => /^vmlinuz-.*-cloud-amd64$/.test(n));
  return names.length > 0 ? `${dir}/${names.sort().at(-1)!}` : undefined;
}
