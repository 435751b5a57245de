import { randomBytes } from 'node:crypto';
import { execFile } from '../../agent/host/exec.js';

const ip = (args: string[]) => execFile('ip', args, { timeoutMs: 10_000 });

/**
 * A network namespace joined to the root namespace by a veth pair, numbered from
 * 198.18.1.0/24 (benchmarking space, RFC 2544): the root side is .1, the
 * namespace side .2 of a /30 picked per test, so tests never collide.
 */
export interface LinkedNetns {
  name: string;
  rootAddr: string;
  nsAddr: string;
  exec(args: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
  destroy(): Promise<void>;
}

/** Picks a /30 of 198.18.1.0/24 that no interface on the machine uses yet. */
async function freeSlot(preferred: number): Promise<number> {
  const { stdout } = await ip(['-4', '-o', 'addr', 'show']);
  const used = new Set(
    [...stdout.matchAll(/inet 198\.18\.1\.(\d+)\//g)].map((m) => Math.floor(Number(m[1]) / 4)),
  );
  for (let i = 0; i < 64; i++) {
    const slot = (preferred + i) % 64;
    if (!used.has(slot)) return slot;
  }
  throw new Error(
    'no free /30 left in 198.18.1.0/24 (stale test namespaces? ip netns list | grep plt-sp-)',
  );
}

export async function createLinkedNetns(preferredSlot: number): Promise<LinkedNetns> {
  if (preferredSlot < 0 || preferredSlot > 63) throw new Error('slot must be 0..63');
  const slot = await freeSlot(preferredSlot);
  const tag = randomBytes(3).toString('hex');
  const name = `plt-sp-${tag}`;
  const rootIf = `pltsp${tag}a`;
  const nsIf = `pltsp${tag}b`;
  const base = slot * 4;
  const rootAddr = `198.18.1.${base + 1}`;
  const nsAddr = `198.18.1.${base + 2}`;
  await ip(['netns', 'add', name]);
  try {
    await ip(['link', 'add', rootIf, 'type', 'veth', 'peer', 'name', nsIf]);
    await ip(['link', 'set', nsIf, 'netns', name]);
    await ip(['addr', 'add', `${rootAddr}/30`, 'dev', rootIf]);
    await ip(['link', 'set', rootIf, 'up']);
    await ip(['-n', name, 'addr', 'add', `${nsAddr}/30`, 'dev', nsIf]);
    await ip(['-n', name, 'link', 'set', nsIf, 'up']);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (e) {
    await ip(['netns', 'del', name]).catch(() => undefined);
    await ip(['link', 'del', rootIf]).catch(() => undefined);
    throw e;
  }
  return {
    name,
    rootAddr,
    nsAddr,
    exec: (args, timeoutMs = 10_000) =>
      execFile('ip', ['netns', 'exec', name, ...args], { timeoutMs }),
    async destroy() {
      await ip(['netns', 'del', name]).catch(() => undefined);
      await ip(['link', 'del', rootIf]).catch(() => undefined);
    },
  };
}

export async function canUseNetns(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  try {
    await execFile('ip', ['-V'], { timeoutMs: 5000 });
  } catch {
    return 'iproute2 (ip) is not installed';
  }
  return undefined;
}
