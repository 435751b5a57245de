import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

/**
 * A tiny real guest for TCG tests: the Debian cloud kernel plus an initramfs of
 * busybox-static whose /init prints a marker on the serial console and powers off
 * on the ACPI power button (so `virsh shutdown` really works). Built once per set of
 * inputs and cached: the cache key hashes the kernel, busybox, the modules and /init.
 */
export interface GuestImage {
  kernel: string;
  initrd: string;
  cmdline: string;
  /** The line /init prints on ttyS0 once it runs. */
  readyMarker: string;
}

const BUSYBOX = '/bin/busybox';
const READY = 'plinth-guest-ready';

// evdev + button give /init a "Power Button" input device to wait on: that is how
// an ACPI shutdown request reaches a guest without acpid.
const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
insmod /lib/evdev.ko 2>/dev/null
insmod /lib/button.ko 2>/dev/null
echo ${READY} > /dev/ttyS0
ev=
for i in 1 2 3 4 5 6 7 8 9 10; do
  for d in /sys/class/input/event*; do
    [ -e "$d/device/name" ] || continue
    if [ "$(cat "$d/device/name")" = "Power Button" ]; then ev=/dev/input/$(basename "$d"); fi
  done
  [ -n "$ev" ] && break
  sleep 0.2
done
if [ -n "$ev" ]; then
  head -c 1 "$ev" > /dev/null
  echo plinth-guest-poweroff > /dev/ttyS0
  poweroff -f
fi
while true; do sleep 3600; done
`;

export function findKernel(): string | undefined {
  if (!existsSync('/boot')) return undefined;
  const names = readdirSync('/boot').filter((n) => /^vmlinuz-.*-cloud-amd64$/.test(n));
  return names.length > 0 ? join('/boot', names.sort().at(-1)!) : undefined;
}

/** Why a guest image cannot be built here, or undefined when it can. */
export function guestImageMissing(): string | undefined {
  if (!findKernel()) return 'no /boot/vmlinuz-*-cloud-amd64 (install linux-image-cloud-amd64)';
  if (!existsSync(BUSYBOX)) return 'no /bin/busybox (install busybox-static)';
  return undefined;
}

async function fileKey(path: string): Promise<string> {
  const s = await stat(path);
  return `${path}:${s.size}:${s.mtimeMs}`;
}

async function moduleFor(release: string, rel: string): Promise<string | undefined> {
  const p = join('/usr/lib/modules', release, 'kernel', rel);
  return existsSync(p) ? p : undefined;
}

/** Build (or reuse) the guest image under `cacheDir` (default: $TMPDIR/plt-lv-guest-cache). */
export async function buildGuestImage(
  cacheDir = join(tmpdir(), 'plt-lv-guest-cache'),
): Promise<GuestImage> {
  const kernel = findKernel();
  if (!kernel) throw new Error(guestImageMissing());
  const release = kernel.replace(/^.*vmlinuz-/, '');
  const modules = (
    await Promise.all([
      moduleFor(release, 'drivers/input/evdev.ko'),
      moduleFor(release, 'drivers/acpi/button.ko'),
    ])
  ).filter((m): m is string => m !== undefined);

  const h = createHash('sha256');
  h.update(INIT);
  for (const p of [kernel, BUSYBOX, ...modules]) h.update(await fileKey(p));
  const key = h.digest('hex').slice(0, 16);

  await mkdir(cacheDir, { recursive: true, mode: 0o755 });
  // QEMU runs as libvirt-qemu: it must be able to traverse to and read the files.
  await chmod(cacheDir, 0o755);
  const dir = join(cacheDir, key);
  const initrd = join(dir, 'initrd.gz');
  const kernelCopy = join(dir, 'vmlinuz');
  const image: GuestImage = {
    kernel: kernelCopy,
    initrd,
    cmdline: 'console=ttyS0 quiet panic=-1',
    readyMarker: READY,
  };
  if (existsSync(initrd) && existsSync(kernelCopy)) return image;

  const work = await mkdtemp(join(cacheDir, 'build-'));
  try {
    const root = join(work, 'root');
    for (const d of ['bin', 'dev', 'proc', 'sys', 'lib', 'tmp'])
      await mkdir(join(root, d), { recursive: true });
    await copyFile(BUSYBOX, join(root, 'bin', 'busybox'));
    await chmod(join(root, 'bin', 'busybox'), 0o755);
    for (const m of modules) await copyFile(m, join(root, 'lib', m.split('/').at(-1)!));
    await writeFile(join(root, 'init'), INIT, { mode: 0o755 });
    const files = await listTree(root, '.');
    const cpioOut = join(work, 'initrd.cpio');
    const child = run('cpio', ['--quiet', '-o', '-H', 'newc', '-R', '0:0', '-F', cpioOut], {
      cwd: root,
      timeout: 30_000,
    });
    child.child.stdin?.end(files.join('\n') + '\n');
    await child;
    const out = join(work, 'out');
    await mkdir(out, { mode: 0o755 });
    await writeFile(join(out, 'initrd.gz'), gzipSync(await readFile(cpioOut)), { mode: 0o644 });
    await copyFile(kernel, join(out, 'vmlinuz'));
    await chmod(join(out, 'vmlinuz'), 0o644);
    await chmod(out, 0o755);
    try {
      await rename(out, dir);
    } catch (e) {
      // Another test built it first: theirs is as good as ours.
      if (!existsSync(initrd)) throw e;
    }
    // Images for other inputs (an older kernel, an older /init) are dead weight.
    for (const e of await readdir(cacheDir)) {
      if (/^[0-9a-f]{16}$/.test(e) && e !== key)
        await rm(join(cacheDir, e), { recursive: true, force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return image;
}

async function listTree(abs: string, rel: string): Promise<string[]> {
  const out = [rel];
  for (const e of await readdir(abs, { withFileTypes: true })) {
    const childRel = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listTree(join(abs, e.name), childRel)));
    else out.push(childRel);
  }
  return out;
}
