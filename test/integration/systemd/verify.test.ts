import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `systemd-analyze verify` on both units. This machine (and CI) has no systemd as
 * PID 1, and verify insists that ExecStart's binary exists, so the units are checked
 * inside a throwaway root: the host's own system units (sysinit.target and friends,
 * which verify loads as dependencies) plus ours, and a stand-in /usr/bin/plinth.
 * verify exits 0 on unknown keys and unparsable values (it only logs them), so any
 * output at all counts as a failure.
 */

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const units = ['plinth-agent.service', 'plinth-coordinator.service'];
const hostUnitDir = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) =>
  existsSync(join(d, 'sysinit.target')),
);

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { timeout: 5000 }).status === 0;
}

function makeRoot(t: Test): string {
  const root = mkdtempSync(join(tmpdir(), 'plt-pkg-verify-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const unitDir = join(root, 'lib', 'systemd', 'system');
  mkdirSync(unitDir, { recursive: true });
  cpSync(hostUnitDir!, unitDir, { recursive: true, verbatimSymlinks: true });
  for (const u of units) cpSync(join(repo, 'systemd', u), join(unitDir, u));
  mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
  writeFileSync(join(root, 'usr', 'bin', 'plinth'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(root, 'usr', 'bin', 'plinth'), 0o755);
  return root;
}

function verify(root: string, names: string[]): { status: number | null; output: string } {
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${root}`, ...names], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, SYSTEMD_LOG_COLOR: '0', SYSTEMD_PAGER: '' },
  });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

if (!which('systemd-analyze')) {
  t.plan(0, 'systemd-analyze not installed (Debian package systemd)');
} else if (hostUnitDir === undefined) {
  t.plan(0, 'no system unit directory with sysinit.target on this machine');
} else {
  t.test('systemd-analyze verify passes on both units with no complaint', async (t) => {
    const root = makeRoot(t);
    const r = verify(root, units);
    t.equal(r.output, '', 'verify printed nothing');
    t.equal(r.status, 0, 'verify exited 0');
  });

  t.test('the check can fail: a bad key and a bad value are reported', async (t) => {
    const root = makeRoot(t);
    const path = join(root, 'lib', 'systemd', 'system', 'plinth-agent.service');
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        '[Service]\n',
        '[Service]\nBogusKey=1\nProtectSystem=wibble\n',
      ),
    );
    const r = verify(root, ['plinth-agent.service']);
    t.match(r.output, /Unknown key 'BogusKey'/);
    t.match(r.output, /wibble/);
  });

  t.test('a missing ExecStart binary is reported', async (t) => {
    const root = makeRoot(t);
    rmSync(join(root, 'usr', 'bin', 'plinth'));
    const r = verify(root, ['plinth-coordinator.service']);
    t.match(r.output, /\/usr\/bin\/plinth is not executable/);
    t.not(r.status, 0);
  });
}

/** Settings the issue and the daemons' sd_notify use rely on; verify cannot judge them. */
t.test('units carry the notify, watchdog, restart and hardening settings', async (t) => {
  const read = (u: string) => readFileSync(join(repo, 'systemd', u), 'utf8');
  const has = (text: string, line: string) => text.split('\n').some((l) => l.trim() === line);
  for (const u of units) {
    const text = read(u);
    for (const line of [
      'Type=notify',
      'NotifyAccess=main',
      'WatchdogSec=30s',
      'Restart=on-failure',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'NoNewPrivileges=yes',
      'WantedBy=multi-user.target',
    ]) {
      t.ok(has(text, line), `${u}: ${line}`);
    }
    t.notMatch(text, /^MemoryDenyWriteExecute=/m, `${u}: no MemoryDenyWriteExecute (V8 JIT)`);
  }
  const agent = read('plinth-agent.service');
  t.ok(has(agent, 'ExecStart=/usr/bin/plinth agent --config /etc/plinth/agent.json'));
  t.ok(has(agent, 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK'));
  t.ok(has(agent, 'KillMode=mixed'), 'agent: guests are not its children; hung CLIs die');
  t.match(agent, /^CapabilityBoundingSet=CAP_NET_ADMIN CAP_DAC_OVERRIDE$/m);
  const coord = read('plinth-coordinator.service');
  t.ok(has(coord, 'ExecStart=/usr/bin/plinth coordinator --config /etc/plinth/coordinator.json'));
  t.ok(has(coord, 'User=plinth'));
  t.ok(has(coord, 'StateDirectory=plinth/coordinator'));
  t.ok(has(coord, 'CapabilityBoundingSet='), 'coordinator keeps no capability');
  t.ok(has(coord, 'SystemCallFilter=@system-service'));
});
