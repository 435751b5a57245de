import t from 'tap';
import { place } from '../../../coordinator/scheduler/place.js';
import type { ScoreName, ScoreWeights } from '../../../coordinator/scheduler/types.js';
import { host, request, snap } from './fixtures.js';

const only = (k: keyof ScoreWeights): Partial<ScoreWeights> => ({
  strategy: 0,
  rackBalance: 0,
  warnings: 0,
  groupSoft: 0,
  [k]: 1,
});

const term = (p: ReturnType<typeof place>, hostId: string, s: ScoreName) =>
  p.hosts.find((h) => h.hostId === hostId)!.scores!.find((x) => x.score === s);

t.test('strategy: spread prefers the emptier host, pack the fuller', async (t) => {
  const hosts = [host('h1', { usedVcpus: 32, usedMemoryMiB: 16000 }), host('h2')];
  t.equal(place(snap(hosts, { weights: only('strategy') }), request()).hostId, 'h2', 'spread');
  const pack = snap(hosts, { weights: only('strategy'), pools: { default: { strategy: 'pack' } } });
  t.equal(place(pack, request()).hostId, 'h1', 'pack');
});

t.test('strategy is per pool', async (t) => {
  const hosts = [
    host('a1', { pool: 'batch', usedVcpus: 8, usedMemoryMiB: 4096 }),
    host('a2', { pool: 'batch' }),
  ];
  const s = snap(hosts, {
    weights: only('strategy'),
    pools: { default: { strategy: 'spread' }, batch: { strategy: 'pack' } },
  });
  t.equal(place(s, request()).hostId, 'a1', 'the batch pool packs');
});

t.test('strategy value: mean of vCPU and memory share after placing', async (t) => {
  const p = place(snap([host('h1')], { weights: only('strategy') }), request());
  const use = (2 / 64 + 2048 / 32256) / 2;
  t.equal(term(p, 'h1', 'strategy')!.value, 1 - use, 'spread = 1 - use');
  t.equal(p.score, 1 - use, 'one term: the score is its value');
});

t.test('rack balance: the emptier rack wins', async (t) => {
  const hosts = [
    host('h1', { rack: 'r1' }),
    host('h2', { rack: 'r1', usedVcpus: 48 }),
    host('h3', { rack: 'r2', usedVcpus: 16 }),
  ];
  const p = place(snap(hosts, { weights: only('rackBalance') }), request());
  t.equal(p.hostId, 'h3', 'r2 has 16/64 in use, r1 48/128');
  t.equal(term(p, 'h3', 'rack-balance')!.value, 1 - 16 / 64);
  t.equal(term(p, 'h1', 'rack-balance')!.value, 1 - 48 / 128);
});

t.test('rack balance: a host without a rack label is neutral', async (t) => {
  const p = place(
    snap([host('h1', { rack: 'r1' }), host('h2')], { weights: only('rackBalance') }),
    request(),
  );
  t.equal(term(p, 'h2', 'rack-balance')!.value, 1);
});

t.test('warnings: hosts with warnings are avoided', async (t) => {
  const p = place(
    snap([host('h1', { warnings: 2 }), host('h2')], { weights: only('warnings') }),
    request(),
  );
  t.equal(p.hostId, 'h2');
  t.equal(term(p, 'h1', 'warnings')!.value, 1 / 3);
});

t.test('soft anti-affinity scores away from members; soft affinity towards them', async (t) => {
  const hosts = [host('h1', { groupMembers: new Map([['web', 1]]) }), host('h2')];
  const anti = place(
    snap(hosts, { weights: only('groupSoft') }),
    request({ group: { name: 'web', policy: 'anti-affinity', scope: 'host', hard: false } }),
  );
  t.equal(anti.hostId, 'h2');
  t.equal(term(anti, 'h1', 'group-soft')!.value, 1 / 2);
  const aff = place(
    snap([host('h1'), host('h2', { groupMembers: new Map([['web', 1]]) })], {
      weights: { groupSoft: 5 },
    }),
    request({ group: { name: 'web', policy: 'affinity', scope: 'host', hard: false } }),
  );
  t.equal(aff.hostId, 'h2', 'affinity outweighs spread');
});

t.test('group-soft is not a term without a soft group', async (t) => {
  const p = place(snap([host('h1')]), request());
  t.same(
    p.hosts[0]!.scores!.map((s) => s.score),
    ['strategy', 'rack-balance', 'warnings'],
  );
});

t.test('the score is the weighted mean of its terms', async (t) => {
  const p = place(
    snap([host('h1', { rack: 'r1', warnings: 1, usedVcpus: 10 })], {
      weights: { strategy: 2, rackBalance: 1, warnings: 3 },
    }),
    request(),
  );
  const terms = p.hosts[0]!.scores!;
  const mean =
    terms.reduce((a, s) => a + s.weight * s.value, 0) / terms.reduce((a, s) => a + s.weight, 0);
  t.ok(Math.abs(p.score! - mean) < 1e-12, `${p.score} ≈ ${mean}`);
  t.same(
    terms.map((s) => [s.score, s.weight]),
    [
      ['strategy', 2],
      ['rack-balance', 1],
      ['warnings', 3],
    ],
  );
});

t.test('ties break on host id, whatever the input order', async (t) => {
  const p = place(snap([host('c'), host('a'), host('b')]), request());
  t.equal(p.hostId, 'a');
  t.same(
    p.hosts.map((h) => h.hostId),
    ['a', 'b', 'c'],
  );
});

t.test('all weights zero: every score is 0, the lowest id wins', async (t) => {
  const p = place(
    snap([host('b'), host('a')], {
      weights: { strategy: 0, rackBalance: 0, warnings: 0, groupSoft: 0 },
    }),
    request(),
  );
  t.equal(p.hostId, 'a');
  t.equal(p.score, 0);
});
