import { labDown, labStatus, labUnavailable, labUp } from '../harness/lab.js';
import type { Bench, BenchResult } from './types.js';

/**
 * issue 8: `plinth lab up` time for 3 and 5 hosts (target: 3 hosts in under 90 s on
 * 2 cores) and memory per lab host (RSS sum of every process in the host's network
 * namespace: agent, libvirtd, virtlogd, OVS, FRR, its init), idle, no guests.
 */
const REF = { name: 'bench' };

async function upOnce(hosts: number): Promise<{ seconds: number; rss: number[] }> {
  await labDown(REF);
  const t0 = performance.now();
  try {
    await labUp({ ...REF, hosts });
    const seconds = (performance.now() - t0) / 1000;
    // Let start-up transients (first observe passes) settle before measuring memory.
    await new Promise((r) => setTimeout(r, 5000));
    const st = await labStatus(REF);
    return { seconds, rss: st.hosts.map((h) => h.rssBytes) };
  } finally {
    await labDown(REF);
  }
}

export const bench: Bench = {
  name: 'lab',
  async run(): Promise<BenchResult[]> {
    const why = labUnavailable();
    if (why) {
      process.stderr.write(`lab bench skipped: ${why}\n`);
      return [];
    }
    const out: BenchResult[] = [];
    const three = await upOnce(3);
    out.push({
      name: 'lab up, 3 hosts (cold: namespaces, PKI, daemons, agents ready, base state applied)',
      value: Math.round(three.seconds * 10) / 10,
      unit: 's',
      target: '< 90 s',
      ok: three.seconds < 90,
    });
    const five = await upOnce(5);
    out.push({
      name: 'lab up, 5 hosts',
      value: Math.round(five.seconds * 10) / 10,
      unit: 's',
    });
    const all = [...three.rss, ...five.rss];
    const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
    out.push({
      name: 'memory per lab host (RSS of all its processes, idle, no guest), mean',
      value: mib(all.reduce((a, b) => a + b, 0) / all.length),
      unit: 'MiB',
      note: `max ${mib(Math.max(...all))} MiB; the plinth agent is about half of it`,
    });
    return out;
  },
};
