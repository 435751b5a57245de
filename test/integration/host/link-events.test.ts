import t from 'tap';
import { HOST_METRIC_NAMES } from '../../../agent/drivers/host/metrics.js';
import { execFile } from '../../../agent/host/exec.js';
import { isPlinthError } from '../../../lib/errors.js';
import {
  createNetns,
  netnsUnavailable,
  startProbe,
  type ProbeLine,
} from '../../harness/netns-host.js';

/**
 * The promise at driver level: a link set down in the agent's namespace is
 * observed within 1 s of `ip link set ... down` returning, through real rtnetlink
 * notifications (no polling: the probe only observes when the driver marks dirty).
 */

interface LinkObj {
  id: string;
  data: { operState: string; adminUp: boolean; kind?: string; index: number };
}

const link = (l: ProbeLine, name: string): LinkObj | undefined =>
  l.type === 'state' ? (l.links as LinkObj[]).find((x) => x.id === name) : undefined;

const why = await netnsUnavailable();
if (why) {
  t.plan(0, why);
} else {
  t.test('link state changes reach the driver within 1 s', async (t) => {
    const ns = await createNetns();
    t.teardown(() => ns.close());
    const probe = startProbe(ns.name);
    t.teardown(() => probe.close());

    const inv = await probe.waitFor((l) => l.type === 'inventory', 60_000, 'inventory');
    const inventory = inv.inventory as {
      cpu: { model: string; threads: number } | null;
      memory: { totalBytes: number } | null;
      notes: string[];
    };
    t.ok(inventory.cpu && inventory.cpu.model.length > 0, `CPU model: ${inventory.cpu?.model}`);
    t.ok(inventory.cpu && inventory.cpu.threads > 0, 'CPU threads');
    t.ok(inventory.memory && inventory.memory.totalBytes > 0, 'memory total');
    const health = await probe.waitFor((l) => l.type === 'health', 10_000, 'health');
    t.match(health.health, { status: 'healthy' });
    await probe.waitFor((l) => link(l, 'lo') !== undefined, 10_000, 'first observe');

    const text = (await probe.waitFor((l) => l.type === 'metrics', 10_000, 'metrics'))
      .text as string;
    for (const n of HOST_METRIC_NAMES)
      t.match(text, new RegExp(`^${n}(\\{| )`, 'm'), `${n} has a sample`);
    t.match(
      text,
      'plinth_host_link_up{link="lo"} 1',
      "the namespace's own links (sysfs of the netns)",
    );
    try {
      await execFile('promtool', ['check', 'metrics'], { input: text, timeoutMs: 20_000 });
      t.pass('promtool check metrics on real /proc and /sys values');
    } catch (e) {
      if (isPlinthError(e) && e.code === 'PLINTH_E_UNAVAILABLE') {
        t.pass('promtool check metrics', {
          skip: 'promtool is not installed (Debian: prometheus)',
        });
      } else t.fail(`promtool: ${e instanceof Error ? e.message : String(e)}`);
    }

    await ns.ip('link', 'add', 'plt-host-a', 'type', 'veth', 'peer', 'name', 'plt-host-b');
    await ns.ip('link', 'set', 'plt-host-b', 'up');
    await ns.ip('link', 'set', 'plt-host-a', 'up');
    const up = await probe.waitFor(
      (l) => link(l, 'plt-host-a')?.data.operState === 'up',
      5000,
      'plt-host-a up',
    );
    t.match(link(up, 'plt-host-a')?.data, { adminUp: true, kind: 'veth' });

    await ns.ip('addr', 'add', '198.18.2.1/24', 'dev', 'plt-host-a');
    await probe.waitFor(
      (l) => l.type === 'state' && (l.addresses as string[]).includes('plt-host-a/198.18.2.1/24'),
      5000,
      'address event',
    );

    const from = probe.lines.length;
    await ns.ip('link', 'set', 'plt-host-a', 'down');
    const returned = performance.now();
    const down = await probe.waitFor(
      (l) => link(l, 'plt-host-a')?.data.operState === 'down',
      5000,
      'plt-host-a down',
      from,
    );
    const ms = down.at - returned;
    t.match(link(down, 'plt-host-a')?.data, { adminUp: false });
    t.ok(ms <= 1000, `down observed ${ms.toFixed(0)} ms after ip link set down returned (<= 1000)`);

    const from2 = probe.lines.length;
    await ns.ip('link', 'del', 'plt-host-a');
    await probe.waitFor(
      (l) =>
        l.type === 'state' &&
        link(l, 'plt-host-a') === undefined &&
        link(l, 'plt-host-b') === undefined,
      5000,
      'veth pair gone',
      from2,
    );
    t.notOk(
      probe.lines.some((l) => l.type === 'error'),
      `no observe errors: ${JSON.stringify(probe.lines.filter((l) => l.type === 'error'))}`,
    );
    t.notMatch(probe.stderr(), /could not find pending request/, 'no node-netlink noise on stderr');
  });
}
