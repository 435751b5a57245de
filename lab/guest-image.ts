import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
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
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFile } from '../agent/host/exec.js';
import { findKernelIn } from './preflight.js';

/**
 * The lab's tiny real guest, for TCG: the Debian cloud kernel plus an initramfs of
 * busybox-static whose /init prints a marker on the serial console and powers off on
 * the ACPI power button (so a graceful stop really works). Same recipe as
 * test/harness/guest-image.ts; production code must not import test/, so it lives here.
 */
export interface GuestImage {
  kernel: string;
  initrd: string;
  cmdline: string;
  /** The line /init prints on ttyS0 once it runs. */
  readyMarker: string;
}

const BUSYBOX = '/bin/busybox';
export const GUEST_READY = 'plinth-guest-ready';

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
insmod /lib/evdev.ko 2>/dev/null
insmod /lib/button.ko 2>/dev/null
echo ${GUEST_READY} > /dev/ttyS0
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

async function fileKey(path: string): Promise<string> {
  const s = await stat(path);
  return `${path}:${s.size}:${s.mtimeMs}`;
}

function moduleFor(release: string, rel: string): string | undefined {
  const p = join('/usr/lib/modules', release, 'kernel', rel);
  return existsSync(p) ? p : undefined;
}

/** Build the image into `dir` (vmlinuz, initrd.gz) unless an identical one is there. */
export async function buildGuestImage(dir: string): Promise<GuestImage> {
  const kernel = findKernelIn('/boot');
  if (!kernel)
    throw new Error('no /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)');
  const release = kernel.replace(/^.*vmlinuz-/, '');
  const modules = [
    moduleFor(release, 'drivers/input/evdev.ko'),
    moduleFor(release, 'drivers/acpi/button.ko'),
  ].filter((m): m is string => m !== undefined);
  const h = createHash('sha256');
  h.update(INIT);
  for (const p of [kernel, BUSYBOX, ...modules]) h.update(await fileKey(p));
  const key = h.digest('hex').slice(0, 16);

  // QEMU runs as libvirt-qemu: it must be able to traverse to and read the files.
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  const image: GuestImage = {
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.gz'),
    cmdline: 'console=ttyS0 quiet panic=-1',
    readyMarker: GUEST_READY,
  };
  const keyFile = join(dir, 'key');
  if (
    existsSync(image.kernel) &&
    existsSync(image.initrd) &&
    (await readFile(keyFile, 'utf8').catch(() => '')) === key
  )
    return image;

  const work = await mkdtemp(join(dir, 'build-'));
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
    await execFile('cpio', ['--quiet', '-o', '-H', 'newc', '-R', '0:0', '-F', cpioOut], {
      cwd: root,
      timeoutMs: 30_000,
      input: files.join('\n') + '\n',
    });
    await writeFile(join(work, 'initrd.gz'), gzipSync(await readFile(cpioOut)), { mode: 0o644 });
    // Renames are atomic: a concurrent builder (two test files at once) or a running QEMU
    // never sees a half-written file; the key, written last, marks the pair complete.
    await rename(join(work, 'initrd.gz'), image.initrd);
    await copyFile(kernel, join(work, 'vmlinuz'));
    await chmod(join(work, 'vmlinuz'), 0o644);
    await rename(join(work, 'vmlinuz'), image.kernel);
    await writeFile(`${keyFile}.tmp-${process.pid}`, key);
    await rename(`${keyFile}.tmp-${process.pid}`, keyFile);
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
