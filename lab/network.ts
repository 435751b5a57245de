import { allNamespaces, type HostLayout, type LabLayout } from './layout.js';
import { ip, linkExists, listNetns } from './sys.js';

/**
 * The lab's wiring, created idempotently (what exists is kept):
 * - a management bridge `br0` in NAME-net, with a veth to the root namespace
 *   (`pl-NAME-m`, 198.19.(3S).1), to the coordinator, to every host (`mgmt0`) and to
 *   every BMC (`eth0`);
 * - a /31 veth from every host (`fab0`) to the spine namespace (BGP).
 * Veths are created straight into their namespaces (`ip -n A link add X type veth
 * peer name Y netns B`): no temporary name ever appears in the root namespace.
 */
export async function ensureNetwork(l: LabLayout, ceph = false): Promise<void> {
  const have = new Set(await listNetns());
  for (const ns of allNamespaces(l, ceph)) {
    if (have.has(ns)) continue;
    await ip(['netns', 'add', ns]);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  if (!(await linkExists('br0', l.netNs))) {
    await ip(['-n', l.netNs, 'link', 'add', 'br0', 'type', 'bridge']);
  }
  await ip(['-n', l.netNs, 'link', 'set', 'br0', 'up']);

  if (!(await linkExists(l.rootLink))) {
    await ip([
      '-n',
      l.netNs,
      'link',
      'add',
      'up0',
      'type',
      'veth',
      'peer',
      'name',
      l.rootLink,
      'netns',
      String(process.pid),
    ]);
  }
  await bridgePort(l, 'up0');
  await ip(['addr', 'replace', `${l.rootAddr}/24`, 'dev', l.rootLink]);
  await ip(['link', 'set', l.rootLink, 'up']);

  await mgmtVeth(l, 'coord', l.coordNs, 'eth0', l.coordAddr);
  if (ceph) await mgmtVeth(l, 'ceph', l.cephNs, 'eth0', l.cephAddr);
  await Promise.all(l.hosts.map((h) => ensureHostLinks(l, h)));
}

async function bridgePort(l: LabLayout, port: string): Promise<void> {
  await ip(['-n', l.netNs, 'link', 'set', port, 'master', 'br0']);
  await ip(['-n', l.netNs, 'link', 'set', port, 'up']);
}

async function mgmtVeth(
  l: LabLayout,
  port: string,
  ns: string,
  ifname: string,
  addr: string,
): Promise<void> {
  if (!(await linkExists(port, l.netNs))) {
    await ip([
      '-n',
      l.netNs,
      'link',
      'add',
      port,
      'type',
      'veth',
      'peer',
      'name',
      ifname,
      'netns',
      ns,
    ]);
  }
  await bridgePort(l, port);
  await ip(['-n', ns, 'addr', 'replace', `${addr}/24`, 'dev', ifname]);
  await ip(['-n', ns, 'link', 'set', ifname, 'up']);
}

async function ensureHostLinks(l: LabLayout, h: HostLayout): Promise<void> {
  await mgmtVeth(l, h.mgmtPort, h.ns, 'mgmt0', h.mgmtAddr);
  await mgmtVeth(l, h.bmcPort, h.bmcNs, 'eth0', h.bmcAddr);
  if (!(await linkExists(h.fabricPort, l.spineNs))) {
    await ip([
      '-n',
      l.spineNs,
      'link',
      'add',
      h.fabricPort,
      'type',
      'veth',
      'peer',
      'name',
      'fab0',
      'netns',
      h.ns,
    ]);
  }
  await ip(['-n', l.spineNs, 'addr', 'replace', `${h.spineAddr}/31`, 'dev', h.fabricPort]);
  await ip(['-n', l.spineNs, 'link', 'set', h.fabricPort, 'up']);
  await ip(['-n', h.ns, 'addr', 'replace', `${h.fabricAddr}/31`, 'dev', 'fab0']);
  await ip(['-n', h.ns, 'link', 'set', 'fab0', 'up']);
}

/** Cut (down) or restore (up) a bridge-side port: the far end sees its carrier go. */
export async function setPort(ns: string, port: string, up: boolean): Promise<void> {
  await ip(['-n', ns, 'link', 'set', port, up ? 'up' : 'down']);
}

export async function portUp(ns: string, port: string): Promise<boolean | undefined> {
  try {
    const { stdout } = await ip(['-j', '-n', ns, 'link', 'show', 'dev', port]);
    const j = JSON.parse(stdout) as { flags?: string[] }[];
    return (j[0]?.flags ?? []).includes('UP');
  } catch {
    return undefined;
  }
}

/** Remove the namespaces (their veths go with them) and the root-side link. */
export async function removeNetwork(l: LabLayout): Promise<void> {
  const have = new Set(await listNetns());
  for (const ns of allNamespaces(l, true).reverse()) {
    if (have.has(ns)) await ip(['netns', 'del', ns]).catch(() => undefined);
  }
  if (await linkExists(l.rootLink)) await ip(['link', 'del', l.rootLink]).catch(() => undefined);
}
