import { Registry } from 'prom-client';
import { execFile } from '../../../agent/host/exec.js';
import { systemClock } from '../../../agent/host/clock.js';
import type { DriverContext, DriverEvent } from '../../../agent/drivers/driver.js';
import { silentLog } from '../../../lib/log.js';
import { LIBVIRT_DEFAULTS, type LibvirtConfig } from '../../../agent/drivers/libvirt/index.js';
import type { LibvirtInstance } from '../../harness/libvirt.js';
import type { GuestImage } from '../../harness/guest-image.js';
import { dirname } from 'node:path';

/** A DriverContext for driving the libvirt driver directly: real exec and clock, recorders for the rest. */
export interface Recorded {
  ctx: DriverContext;
  events: { at: number; event: DriverEvent }[];
  dirty: { at: number; reason: string }[];
  registry: Registry;
}

export function recordingContext(stateDir: string): Recorded {
  const events: Recorded['events'] = [];
  const dirty: Recorded['dirty'] = [];
  const registry = new Registry();
  const ctx: DriverContext = {
    log: silentLog(),
    exec: execFile,
    clock: systemClock,
    metrics: registry,
    markDirty: (reason) => dirty.push({ at: performance.now(), reason }),
    emit: (event) => events.push({ at: performance.now(), event }),
    paths: { stateDir, runDir: stateDir },
  };
  return { ctx, events, dirty, registry };
}

export function testConfig(
  lv: LibvirtInstance,
  image: GuestImage,
  over: Partial<LibvirtConfig> = {},
): LibvirtConfig {
  return {
    ...LIBVIRT_DEFAULTS,
    socketPath: lv.socketPath,
    defaultDomainType: 'qemu',
    imagePoolDir: lv.poolDir,
    poolName: 'plt-lv-pool',
    kernelDirs: [dirname(image.kernel)],
    consoleLogDir: '/var/log/libvirt/qemu',
    shutdownTimeoutMs: 15_000,
    callTimeoutMs: 10_000,
    ...over,
  };
}

/** A 128 MiB TCG guest booting the harness kernel + busybox initramfs. */
export function guestSpec(
  name: string,
  uuid: string,
  image: GuestImage,
  extra: Record<string, unknown> = {},
) {
  return {
    name,
    uuid,
    vcpus: 1,
    memoryMiB: 128,
    domainType: 'qemu',
    boot: { kernel: image.kernel, initrd: image.initrd, cmdline: image.cmdline },
    power: 'running',
    ...extra,
  };
}

export async function waitUntil<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up: ${what}`);
}

/** Wait until the guest's serial console log (written by virtlogd) shows `marker`. */
export async function waitConsole(
  lv: LibvirtInstance,
  name: string,
  marker: string,
  timeoutMs = 30_000,
): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const file = join(lv.dir, 'log', 'qemu', `${name}.console.log`);
  await waitUntil(
    async () => (await readFile(file, 'utf8').catch(() => '')).includes(marker) || undefined,
    timeoutMs,
    `${name} console to show ${marker}`,
  );
}

/** Count of `marker` lines in the console log: a new boot appends another. */
export async function consoleCount(
  lv: LibvirtInstance,
  name: string,
  marker: string,
): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const text = await readFile(join(lv.dir, 'log', 'qemu', `${name}.console.log`), 'utf8').catch(
    () => '',
  );
  return text.split('\n').filter((l) => l.includes(marker)).length;
}
