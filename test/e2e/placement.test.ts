import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { execFile } from '../../agent/host/exec.js';
import { vmCall } from '../../coordinator/cli/vm-client.js';
import type { LabAdmin } from '../../lab/admin.js';
import {
  labAdminFor,
  labDown,
  labExec,
  labUnavailable,
  labUp,
  type LabInfo,
} from '../harness/lab.js';
import {
  describeDuplicates,
  startLibvirtSampler,
  type Sampler,
} from '../harness/libvirt-sampler.js';
import { runPlinth } from '../harness/spine.js';
import {
  guestFlags as labGuestFlags,
  labLogTails,
  labVmsSection,
  patchLabCoordinator,
  runVmCli,
  waitAllReady,
} from '../harness/vm-lab.js';
import { sleep, waitFor } from '../harness/wait.js';

/**
 * Issue 9 end to end, on a real 3-host lab (name plxplace): placement with a hard
 * anti-affinity group, cordon, drain of VMs with disks marked shared, delete leaving
 * the hosts clean. Everything an operator does goes through the real CLI (`plinth ...`
 * from source); the test reads state through the Admin API and each host's daemons.
 */

const REF = { name: 'plxplace' };
const why = labUnavailable();
const NET = 'vm';

t.setTimeout(12 * 60_000);

let info: LabInfo;
let admin: LabAdmin;
let sampler: Sampler | undefined;

const plinth = runVmCli;

/** Faster status sweeps and deletes for the suite (the lab already knows network `vm`). */
const enableVms = () =>
  patchLabCoordinator(REF, info, {
    vms: labVmsSection(info, NET),
  });

const allReady = () => waitAllReady(admin);

const guestFlags = () => labGuestFlags(info);

const announceBase = () => info.vmNet.replace(/\.0\/24$/, '.');

async function getVm(name: string) {
  return (await vmCall(admin.client, admin.target, 'GetVm', { name })).vm ?? undefined;
}

async function listVms() {
  return (await vmCall(admin.client, admin.target, 'ListVms', { hostId: '', status: '' })).vms;
}

async function waitRunning(names: string[], timeoutMs = 120_000) {
  for (const n of names)
    await waitFor(
      `${n} running`,
      async () => {
        const v = await getVm(n);
        if (v?.status === 'failed') throw new Error(`${n} failed: ${v.reason}`);
        return v?.status === 'running' ? v : undefined;
      },
      { timeoutMs, intervalMs: 500 },
    );
}

/** What runs in a host's libvirt, asked inside the host (uuids, every state). */
async function hostDomains(hostId: string): Promise<string[]> {
  const out = (await labExec(REF, hostId, ['virsh', 'list', '--all', '--uuid'])).stdout;
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

async function hostPorts(hostId: string): Promise<string[]> {
  const out = (await labExec(REF, hostId, ['ovs-vsctl', 'list-ports', info.vmBridge])).stdout;
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Prefixes of the VM announcement range in a BGP table (`show ip bgp json`). */
function vmPrefixes(json: string): string[] {
  const routes = (JSON.parse(json || '{}') as { routes?: Record<string, unknown> }).routes ?? {};
  return Object.keys(routes).filter((p) => p.startsWith(announceBase()));
}

/**
 * The VM /32s this host itself announces: its `network` statements. (Its BGP table
 * also holds the prefixes other hosts announce, learnt through the spine.)
 */
async function hostAnnouncements(hostId: string): Promise<string[]> {
  const conf = (await labExec(REF, hostId, ['vtysh', '-c', 'show running-config'])).stdout;
  return [...conf.matchAll(/^\s*network (\S+)/gm)]
    .map((m) => m[1]!)
    .filter((p) => p.startsWith(announceBase()));
}

async function spineRoutes(): Promise<string[]> {
  const r = await execFile(
    'vtysh',
    [
      '--vty_socket',
      info.spine.vtyDir,
      '--config_dir',
      info.spine.vtyDir,
      '-c',
      'show ip bgp json',
    ],
    { timeoutMs: 15_000 },
  );
  return vmPrefixes(r.stdout);
}

if (why) {
  t.plan(0, `plinth lab cannot run here: ${why}`);
} else {
  t.before(async () => {
    await labDown(REF);
    info = await labUp({
      ...REF,
      hosts: 3,
      heartbeatSeconds: 1,
      suspectAfterSeconds: 3,
      downAfterSeconds: 8,
      startupGraceSeconds: 5,
      // The compiled tree (dist/), when present, may predate the code under test.
      runtime: 'source',
    });
    admin = await labAdminFor(info);
    process.env.PLINTH_CLI_CONFIG = info.cliConfig;
    await enableVms();
    await allReady();
    sampler = startLibvirtSampler(
      info.hosts.map((h) => ({ id: h.id, libvirtUri: h.libvirtUri, netns: h.ns })),
      { intervalMs: 400 },
    );
  });

  // CI removes the lab afterwards: a failed scenario leaves its logs in the output.
  t.afterEach((c) => {
    if (!c.passing() && info) t.comment(labLogTails(info));
  });

  t.teardown(async () => {
    await sampler?.stop();
    admin?.close();
    await labDown(REF);
  });

  t.test('the sampler sees one uuid running on two hosts (the harness can fail)', async (t) => {
    // Raw base documents, before any VM exists: the VM service would never do this.
    const uuid = randomUUID();
    const dom = {
      name: 'twin',
      uuid,
      vcpus: 1,
      memoryMiB: 64,
      domainType: 'qemu',
      boot: { kernel: info.guest.kernel, initrd: info.guest.initrd, cmdline: info.guest.cmdline },
      power: 'running',
    };
    await admin.mergeDesired('h1', { domains: [dom] });
    await admin.mergeDesired('h2', { domains: [dom] });
    const dup = await waitFor(
      'the sampler to report twin on h1 and h2',
      () => sampler!.report().duplicates.find((d) => d.uuid === uuid),
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    t.ok(dup, dup.message);
    const sources = new Set(
      sampler!
        .report()
        .duplicates.filter((d) => d.uuid === uuid)
        .map((d) => d.source),
    );
    await waitFor(
      'both sources to see it',
      () => {
        for (const d of sampler!.report().duplicates) if (d.uuid === uuid) sources.add(d.source);
        return sources.size === 2;
      },
      { timeoutMs: 10_000, intervalMs: 300 },
    );
    t.same([...sources].sort(), ['libvirt', 'process'], 'libvirt and the QEMU processes agree');
    await admin.mergeDesired('h1', { domains: [] });
    await admin.mergeDesired('h2', { domains: [] });
    for (const h of ['h1', 'h2'])
      await waitFor(`twin gone from ${h}`, async () => !(await hostDomains(h)).includes(uuid), {
        timeoutMs: 60_000,
        intervalMs: 500,
      });
    // Later scenarios assert on duplicates: start them from a clean sheet.
    await sampler!.stop();
    sampler = startLibvirtSampler(
      info.hosts.map((h) => ({ id: h.id, libvirtUri: h.libvirtUri, netns: h.ns })),
      { intervalMs: 400 },
    );
  });

  t.test(
    '6 VMs in a hard host anti-affinity group of 3: three place, three are refused with the table',
    async (t) => {
      const placed: { name: string; host: string }[] = [];
      const refused: string[] = [];
      for (let i = 1; i <= 6; i++) {
        const name = `aa-${i}`;
        const args = ['vm', 'create', name, ...guestFlags(), '--nic', `network=${NET}`];
        args.push('--group', 'aa', '--policy', 'anti-affinity', '--scope', 'host');
        // The last one as an operator reads it (the table); the others as JSON.
        const human = i === 6;
        // The human one through a real `plinth` process (its exit code, its stdout/stderr).
        const r = human
          ? await runPlinth(args, { env: { PLINTH_CLI_CONFIG: info.cliConfig }, timeoutMs: 90_000 })
          : await plinth([...args, '--json']);
        if (human) {
          t.equal(r.code, 1, `${name}: exit code 1 when no host fits`);
          for (const h of info.hosts) t.match(r.stdout, h.id, `the table lists ${h.id}`);
          t.match(r.stdout + r.stderr, /group/, 'the table names the group filter');
          t.match(r.stderr, `${name} was not placed`, 'says it was not placed');
          refused.push(name);
          continue;
        }
        const j = JSON.parse(r.stdout) as {
          ok: boolean;
          vm: { hostId: string } | null;
          rejection: string[];
          placement: {
            hosts: {
              hostId: string;
              pass: boolean;
              filters: { filter: string; pass: boolean; reason: string }[];
            }[];
          } | null;
        };
        if (j.ok) {
          t.equal(r.code, 0, `${name} placed`);
          placed.push({ name, host: j.vm!.hostId });
        } else {
          t.equal(r.code, 1, `${name}: exit code 1`);
          t.equal(j.placement?.hosts.length, 3, `${name}: a verdict for every host`);
          for (const h of j.placement?.hosts ?? []) {
            const g = h.filters.find((f) => f.filter === 'group');
            t.ok(g && !g.pass, `${name}: ${h.hostId} refused by the group filter (${g?.reason})`);
          }
          t.ok(
            j.rejection.some((l) => l.startsWith('group: 3 hosts')),
            `${name}: the rejection says the group removed 3 hosts: ${j.rejection.join(' | ')}`,
          );
          refused.push(name);
        }
      }
      t.same(
        placed.map((p) => p.name),
        ['aa-1', 'aa-2', 'aa-3'],
        'the first three are placed',
      );
      t.same(placed.map((p) => p.host).sort(), ['h1', 'h2', 'h3'], 'one per host');
      t.same(refused, ['aa-4', 'aa-5', 'aa-6'], 'the last three are refused');
      t.same(
        (await listVms()).map((v) => v.name).sort(),
        ['aa-1', 'aa-2', 'aa-3'],
        'nothing is recorded for the refused ones',
      );
      await waitRunning(['aa-1', 'aa-2', 'aa-3']);
      for (const p of placed) {
        const uuid = (await getVm(p.name))!.uuid;
        t.ok((await hostDomains(p.host)).includes(uuid), `${p.name} is a domain on ${p.host}`);
      }
      // The drain below moves VMs: a hard group with one per host could not move anywhere.
      for (const p of placed) {
        const r = await plinth(['vm', 'delete', p.name, '--timeout', '60s']);
        t.equal(r.code, 0, r.text);
      }
    },
  );

  const dvms = ['d-1', 'd-2', 'd-3', 'd-4'];
  t.test('cordon a host: nothing new lands on it', async (t) => {
    const c = await plinth(['host', 'cordon', 'h3', '--reason', 'e2e']);
    t.equal(c.code, 0, c.text);
    const plan = await plinth(['plan', 'vm', 'create', 'probe', ...guestFlags(), '--json']);
    t.equal(plan.code, 0, plan.text);
    const p = JSON.parse(plan.stdout) as {
      placement: {
        hosts: {
          hostId: string;
          pass: boolean;
          filters: { filter: string; pass: boolean; reason: string }[];
        }[];
      };
    };
    const h3 = p.placement.hosts.find((h) => h.hostId === 'h3');
    const sched = h3?.filters.find((f) => f.filter === 'schedulable');
    t.ok(sched && !sched.pass, `the plan refuses h3: ${sched?.reason}`);
    t.match(sched?.reason ?? '', /cordon/, 'because it is cordoned');
    for (const [i, name] of dvms.entries()) {
      const r = await plinth([
        'vm',
        'create',
        name,
        ...guestFlags(),
        '--nic',
        `network=${NET},announce=${announceBase()}${20 + i}/32`,
        '--disk',
        'size=1GiB,shared',
        '--json',
      ]);
      t.equal(r.code, 0, r.text);
    }
    await waitRunning(dvms);
    const where = await Promise.all(dvms.map(async (n) => (await getVm(n))!.hostId));
    t.notOk(where.includes('h3'), `none on the cordoned h3 (${where.join(', ')})`);
    t.same((await hostDomains('h3')).length, 0, 'h3 has no domain');
    const u = await plinth(['host', 'uncordon', 'h3']);
    t.equal(u.code, 0, u.text);
  });

  t.test('the announced /32s reach the hosts and the spine', async (t) => {
    for (const [i, name] of dvms.entries()) {
      const v = (await getVm(name))!;
      const prefix = `${announceBase()}${20 + i}/32`;
      // The FRR driver observes once a second: wait (bounded) for the announcement.
      const o = await waitFor(
        `${v.hostId} to announce ${prefix}`,
        async () => {
          const objs = await admin.objects(v.hostId);
          const x = objs.find((y) => y.kind === 'bgp.prefix' && y.id === prefix);
          return x?.data.announced === true ? x : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 500 },
      ).catch(async () => {
        const objs = await admin.objects(v.hostId);
        return objs.find((y) => y.kind === 'bgp.prefix' && y.id === prefix);
      });
      t.ok(o, `${v.hostId} reports ${prefix} configured`);
      t.equal(
        o?.data.announced,
        true,
        `${v.hostId} announces ${prefix} (${JSON.stringify(o?.data)})`,
      );
    }
    const learned = await waitFor(
      'the spine to learn every VM /32',
      () => spineRoutes().then((r) => (r.length >= dvms.length ? r : undefined)),
      { timeoutMs: 15_000, intervalMs: 1000 },
    ).catch(() => spineRoutes());
    t.equal(learned.length, dvms.length, `the spine learned ${learned.join(', ') || 'nothing'}`);
  });

  t.test(
    'drain a host whose VMs use disks marked shared: they run elsewhere, nothing is left',
    async (t) => {
      const before = await Promise.all(dvms.map(async (n) => (await getVm(n))!));
      const from = before.filter((v) => v.hostId === 'h1');
      t.ok(from.length > 0, `h1 runs ${from.map((v) => v.name).join(', ')}`);
      const r = await plinth(['host', 'drain', 'h1', '--deadline', '3m', '--json']);
      t.equal(r.code, 0, r.text);
      const lines = r.stdout.trim().split('\n').filter(Boolean);
      const result = (JSON.parse(lines.at(-1)!) as { result: Record<string, unknown[]> }).result;
      t.equal(result.moved?.length, from.length, `moved ${from.length}: ${JSON.stringify(result)}`);
      for (const k of ['refused', 'failed', 'left']) t.same(result[k] ?? [], [], `nothing ${k}`);
      t.ok(
        lines.some((l) => l.includes('"progress"')),
        'progress lines while it ran',
      );
      await waitRunning(dvms);
      for (const v of from) {
        const now = (await getVm(v.name))!;
        t.not(now.hostId, 'h1', `${v.name} runs on ${now.hostId} now`);
        t.ok((await hostDomains(now.hostId)).includes(v.uuid), `${v.name} is a domain there`);
      }
      t.same(await hostDomains('h1'), [], 'no domain left on h1 (virsh inside h1)');
      t.same(await hostPorts('h1'), [], `no port left on h1's ${info.vmBridge}`);
      t.same(await hostAnnouncements('h1'), [], 'no announcement left on h1');
      const rep = sampler!.report();
      t.same(rep.duplicates, [], describeDuplicates(rep));
      const u = await plinth(['host', 'uncordon', 'h1']);
      t.equal(u.code, 0, u.text);
    },
  );

  t.test('delete everything: the hosts are clean', async (t) => {
    const names = (await listVms()).map((v) => v.name);
    t.ok(names.length >= dvms.length, `deleting ${names.join(', ')}`);
    for (const n of names) {
      const r = await plinth(['vm', 'delete', n, '--timeout', '60s']);
      t.equal(r.code, 0, r.text);
    }
    t.same(await listVms(), [], 'no VM left at the coordinator');
    for (const h of info.hosts) {
      t.same(await hostDomains(h.id), [], `${h.id}: no domain (virsh list --all inside it)`);
      t.same(await hostPorts(h.id), [], `${h.id}: no port on ${info.vmBridge}`);
      t.same(
        await hostAnnouncements(h.id),
        [],
        `${h.id}: no VM prefix announced (network statements)`,
      );
      // Not in the definition of clean (domains, ports, announcements): reported only.
      const volumes = existsSync(join(h.dir, 'images'))
        ? readdirSync(join(h.dir, 'images')).filter((f) => f.endsWith('.qcow2'))
        : [];
      t.comment(`${h.id}: disk volumes left in its image pool: ${volumes.join(', ') || 'none'}`);
      const objs = await waitFor(
        `${h.id}'s objects at the coordinator to follow`,
        async () => {
          const o = await admin.objects(h.id);
          return o.some((x) => x.kind === 'libvirt.domain' || x.kind === 'bgp.prefix')
            ? undefined
            : o;
        },
        { timeoutMs: 20_000, intervalMs: 500 },
      ).catch(() => undefined);
      t.ok(objs, `${h.id}: no libvirt.domain or bgp.prefix object at the coordinator`);
    }
    await sleep(2000); // a BGP withdrawal takes a moment to reach the spine
    t.same(await spineRoutes(), [], 'the spine holds no VM prefix');
    const rep = await sampler!.stop();
    t.same(rep.duplicates, [], describeDuplicates(rep));
    t.ok(rep.samples > 10, `the sampler ran (${rep.samples} samples)`);
  });
}
