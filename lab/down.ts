import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { allNamespaces, defaultSubnetIndex, labLayout } from './layout.js';
import { removeNetwork } from './network.js';
import { stopCoordinator } from './services.js';
import { labPaths, layoutOf, readState } from './state.js';
import { killNetns, listNetns, run } from './sys.js';
import { resolveRef, type LabProgress, type LabRef } from './info.js';

/** Stop and remove everything the lab made: processes, namespaces, links, files. */
export async function labDown(
  r: LabRef = {},
  onProgress: (p: LabProgress) => void = () => undefined,
): Promise<{ removed: boolean }> {
  const { name, dir } = resolveRef(r);
  const t0 = Date.now();
  const say = (message: string, host?: string) =>
    onProgress({ atMs: Date.now() - t0, host, message });
  const s = readState(dir);
  // Without a state file, the namespaces of this name may still exist (an up that died early).
  const l = s ? layoutOf(s) : labLayout(name, dir, 1, defaultSubnetIndex(name));
  const p = labPaths(dir);
  if (s) await stopCoordinator(p).catch(() => undefined);
  const prefix = `${l.prefix}-`;
  const namespaces = (await listNetns()).filter(
    (n) =>
      allNamespaces(l).includes(n) ||
      (n.startsWith(prefix) &&
        /^h\d+(-bmc)?$|^(net|coord|spine|ceph)$/.test(n.slice(prefix.length))),
  );
  // A lab host's end is a power cut: SIGKILL to everything in its namespaces.
  await Promise.all(namespaces.map((n) => killNetns(n)));
  say(`stopped every process in ${namespaces.length} namespaces`);
  await removeNetwork({ ...l, hosts: [] });
  for (const n of namespaces) await run('ip', ['netns', 'del', n]).catch(() => undefined);
  say('removed namespaces and links');
  let removed = false;
  if (existsSync(dir) && (s || readdirSync(dir).length === 0)) {
    await rm(dir, { recursive: true, force: true });
    removed = true;
    say(`removed ${dir}`);
  }
  return { removed };
}
