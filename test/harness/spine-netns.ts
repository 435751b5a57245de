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

export async function createLinkedNetns(slot: number): Promise<LinkedNetns> {
  if (slot < 0 || slot > 63) throw new Error('slot must be 0..63');
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
