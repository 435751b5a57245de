import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGuestImage as buildLabGuestImage, type GuestImage } from '../../lab/guest-image.js';
import { findKernelIn } from '../../lab/preflight.js';

/**
 * The tiny real guest for TCG tests — the lab's (lab/guest-image.ts): the Debian cloud
 * kernel plus a busybox-static initramfs whose /init prints a marker on the serial
 * console and powers off on the ACPI power button. Built once per set of inputs.
 */
export type { GuestImage };

export function findKernel(): string | undefined {
  return findKernelIn('/boot');
}

/** Why a guest image cannot be built here, or undefined when it can. */
export function guestImageMissing(): string | undefined {
  if (!findKernel()) return 'no /boot/vmlinuz-*-cloud-amd64 (install linux-image-cloud-amd64)';
  if (!existsSync('/bin/busybox')) return 'no /bin/busybox (install busybox-static)';
  return undefined;
}

/** Build (or reuse) the guest image under `cacheDir` (default: $TMPDIR/plt-lv-guest-cache). */
export async function buildGuestImage(
  cacheDir = join(tmpdir(), 'plt-lv-guest-cache'),
): Promise<GuestImage> {
  const missing = guestImageMissing();
  if (missing) throw new Error(missing);
  return buildLabGuestImage(join(cacheDir, 'image'));
}
