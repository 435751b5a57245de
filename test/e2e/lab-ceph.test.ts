import { existsSync } from 'node:fs';
import t from 'tap';
import { execFile } from '../../agent/host/exec.js';
import { preflightProblems } from '../../lab/preflight.js';
import { labAdminFor, labDown, labExec, labStatus, labUp } from '../harness/lab.js';
import { waitFor } from '../harness/wait.js';

/** `plinth lab up --ceph`: one host plus the lab's one-host Ceph cluster, then down. */

const REF = { name: 'e2eceph' };
const problems = preflightProblems({ ceph: true });

if (problems.length) {
  t.plan(0, `plinth lab --ceph cannot run here: ${problems.join('; ')}`);
} else {
  t.teardown(() => labDown(REF));

  t.test('a lab with Ceph: the agents see the cluster, down removes it', async (t) => {
    await labDown(REF);
    const info = await labUp({ ...REF, hosts: 1, ceph: true, runtime: 'source' });
    t.ok(info.ceph, 'the lab describes its Ceph cluster');
    const st = await labStatus(REF);
    t.ok(st.ceph?.mon && st.ceph.osd && st.ceph.mgr, 'mon, osd.0 and mgr run');
    const admin = await labAdminFor(info);
    try {
      const osd = await waitFor(
        'the ceph driver to report osd.0 up',
        async () =>
          (await admin.objects('h1')).find((o) => o.kind === 'ceph.osd' && o.data.up === true),
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      t.ok(osd, 'ceph.osd object at the coordinator');
      const h = (await admin.listHosts()).find((x) => x.id === 'h1');
      t.equal(h?.drivers.find((d) => d.name === 'ceph')?.health, 'healthy', 'ceph driver healthy');
    } finally {
      admin.close();
    }
    const s = (await labExec(REF, 'h1', ['ceph', '--conf', info.ceph!.conf, 'osd', 'stat'])).stdout;
    t.match(s, /1 osds: 1 up/, 'the cluster is reachable from inside a host');
    await labDown(REF);
    t.notOk(existsSync(info.dir), 'lab dir removed');
    const ns = (await execFile('ip', ['netns', 'list'], { timeoutMs: 5000 })).stdout;
    t.notMatch(ns, 'pl-e2eceph', 'no namespace left');
  });
}
