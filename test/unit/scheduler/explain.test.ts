import t from 'tap';
import {
  explainJson,
  rejectionLines,
  rejectionMessage,
  renderTable,
} from '../../../coordinator/scheduler/explain.js';
import { place } from '../../../coordinator/scheduler/place.js';
import { host, request, snap } from './fixtures.js';

const web = { name: 'web', policy: 'anti-affinity' as const, scope: 'host' as const, hard: true };
const cluster = () =>
  snap([
    host('h1', { usedVcpus: 62, groupMembers: new Map([['web', 1]]) }),
    host('h2', { usedVcpus: 62 }),
    host('h3', { cordoned: true, groupMembers: new Map([['web', 1]]) }),
  ]);

t.test('rejection: every filter, how many hosts, why', async (t) => {
  const p = place(cluster(), request({ vcpus: 4, group: web }));
  t.notOk(p.ok);
  t.same(rejectionLines(p.filters), [
    'schedulable: 1 host (cordoned)',
    'vcpus: 2 hosts (needs 4, free 2 at ratio 4.0)',
    'group: 2 hosts (hard anti-affinity web: 1 member on this host)',
  ]);
  t.equal(
    rejectionMessage(p),
    [
      'no host fits vm-1 (3 hosts):',
      '  schedulable: 1 host (cordoned)',
      '  vcpus: 2 hosts (needs 4, free 2 at ratio 4.0)',
      '  group: 2 hosts (hard anti-affinity web: 1 member on this host)',
    ].join('\n'),
  );
});

t.test('several reasons for one filter: counted, most frequent first, then cut', async (t) => {
  const hosts = [0, 1, 2, 3, 4, 5].map((k) => host(`h${k}`, { usedVcpus: 60 + (k % 4) }));
  const p = place(snap(hosts), request({ vcpus: 5 }));
  t.same(rejectionLines(p.filters, 2), [
    'vcpus: 6 hosts (2 × needs 5, free 3 at ratio 4.0; 2 × needs 5, free 4 at ratio 4.0; +2 more)',
  ]);
});

t.test('the table: one row per host, one column per filter, numbers and NO marks', async (t) => {
  const p = place(cluster(), request({ vcpus: 1, group: web }));
  t.ok(p.ok);
  const out = renderTable(p, { width: 200 });
  const lines = out.split('\n');
  t.match(
    lines[0]!,
    /^HOST\s+READY\s+SCHEDULABLE\s+HYPERVISOR\s+VCPUS NEED\/FREE \(RATIO\)\s+MEMORY MiB NEED\/FREE\s+LABELS\s+NETWORKS\s+GROUP\s+SCORE$/,
  );
  t.match(
    lines[1]!,
    /^h2\s+yes\s+yes\s+ok\s+1\/2 \(4\.0\)\s+2048\/32256\s+-\s+ok\s+ok\s+\d\.\d\d \*$/,
  );
  t.match(
    lines[2]!,
    /^h1\s+yes\s+yes\s+ok\s+1\/2 \(4\.0\)\s+.*NO hard anti-affinity web: 1 member on this host\s+-$/,
  );
  t.match(lines[3]!, /^h3\s+yes\s+NO cordoned\s+/);
  t.equal(lines.at(-1), p.message);
});

t.test('the table fits the width by cutting text columns', async (t) => {
  const p = place(cluster(), request({ vcpus: 4, group: web }));
  const out = renderTable(p, { width: 100 });
  const rows = out.split('\n').filter((l) => /^(HOST|h\d)/.test(l));
  for (const r of rows) t.ok(r.length <= 100, `${r.length} <= 100: ${r}`);
  t.match(out, /…/, 'cut text ends in an ellipsis');
  t.match(out, /4\/2 \(4\.0\)/, 'numbers are never cut');
});

t.test('maxRows cuts the host list and says so', async (t) => {
  const p = place(cluster(), request({ vcpus: 1 }));
  t.match(renderTable(p, { maxRows: 1 }), /… 2 more hosts/);
});

t.test('JSON form: plain data with the same facts', async (t) => {
  const p = place(cluster(), request({ vcpus: 4, group: web }));
  const j = explainJson(p);
  t.same(JSON.parse(JSON.stringify(j)), j, 'survives JSON');
  t.equal(j.ok, false);
  t.equal(j.rejection.length, 3);
  const h2 = j.rows.find((r) => r.host === 'h2')!;
  t.same(h2.cells.vcpus, { pass: false, text: 'NO 4/2 (4.0)', needed: 4, free: 2, ratio: 4 });
  t.equal(h2.chosen, false);
  const ok = explainJson(place(cluster(), request({ vcpus: 1 })));
  t.equal(ok.hostId, 'h1', 'h1 and h2 tie: the lower id');
  t.same(ok.rejection, []);
  t.ok(ok.rows[0]!.chosen);
});
