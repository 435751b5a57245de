import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { alive } from '../../lab/sys.js';

const run = promisify(execFile);

/**
 * A private libvirtd + virtlogd for tests: its own mount namespace with temp dirs
 * bind-mounted over /run/libvirt, /var/lib/libvirt, /var/cache/libvirt,
 * /var/log/libvirt and /etc/libvirt (persistent domain XML lives there), pidfiles
 * given explicitly. Several instances coexist on one machine and never see the
 * host's libvirt, nor each other's guests.
 */
/**
 * A domain's state from `virsh domstate`, or 'absent' when libvirt says there is no
 * such domain. Any other failure (libvirtd down, a timeout) is thrown: a check
 * that a guest is gone must not pass because virsh could not ask.
 */
export async function domState(lv: Pick<LibvirtInstance, 'virsh'>, name: string): Promise<string> {
  try {
    return (await lv.virsh(['domstate', name])).trim();
  } catch (e) {
    if (/failed to get domain|Domain not found/i.test((e as Error).message)) return 'absent';
    throw e;
  }
}

export interface LibvirtInstance {
  dir: string;
  /** Bind-mounted over /run/libvirt inside the namespace: sockets and QEMU pidfiles. */
  runDir: string;
  socketPath: string;
  uri: string;
  /** A world-traversable directory for disk images (QEMU runs as libvirt-qemu). */
  poolDir: string;
  virsh(args: readonly string[], timeoutMs?: number): Promise<string>;
  /** The guest's QEMU PID from libvirt's pidfile, when it runs. */
  qemuPid(name: string): Promise<number | undefined>;
  /** SIGTERM libvirtd (guests keep running), for "libvirtd stopped" tests. */
  stopLibvirtd(): Promise<void>;
  /** Start libvirtd again inside the same namespace. */
  startLibvirtd(): Promise<void>;
  /** Destroy every guest, stop both daemons, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const BINARIES = [
  '/usr/bin/perl',
  '/usr/sbin/libvirtd',
  '/usr/sbin/virtlogd',
  '/usr/bin/virsh',
  '/usr/bin/qemu-system-x86_64',
  '/usr/bin/unshare',
  '/usr/bin/nsenter',
];

/** Why a private libvirtd cannot run here, or undefined when it can. */
export function libvirtMissing(): string | undefined {
  for (const b of BINARIES)
    if (!existsSync(b))
      return `${b} is missing (apt-get install libvirt-daemon-system libvirt-clients qemu-system-x86)`;
  if (process.getuid?.() !== 0)
    return 'a private libvirtd needs root (mount namespace, bind mounts)';
  return undefined;
}

// Positional parameters only: no path is ever interpolated into the script text.
const START_SCRIPT = `set -e
d="$1"
mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /etc/libvirt
mount --bind "$d/run" /run/libvirt
mount --bind "$d/lib" /var/lib/libvirt
mount --bind "$d/cache" /var/cache/libvirt
mount --bind "$d/log" /var/log/libvirt
mount --bind "$d/etc" /etc/libvirt
shift
while [ $# -ge 2 ]; do
  mkdir -p "$2"
  mount --bind "$1" "$2"
  shift 2
done
virtlogd -d -p "$d/virtlogd.pid"
libvirtd -d -p "$d/libvirtd.pid" -f "$d/libvirtd.conf"
`;

/**
 * A child subreaper (prctl PR_SET_CHILD_SUBREAPER, x86_64 syscall 157) in perl-base, which
 * every Debian has: the daemons and the QEMUs they spawn are re-parented to it, and it
 * reaps them at once. Without it they are re-parented to this machine's PID 1, which
 * reaps seconds late, and libvirt (waiting for a dead QEMU to vanish) reports stops and
 * crashes seconds late too — unlike a real host under systemd. It prints the exit status
 * of the command it runs, then reaps until no descendant is left.
 */
const REAPER = `syscall(157, 36, 1, 0, 0, 0) == 0 or die "prctl: $!";
$| = 1;
my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) { exec @ARGV or die "exec: $!"; }
waitpid($pid, 0);
print(($? >> 8) . "\n");
close(STDOUT);
while (waitpid(-1, 0) > 0) {}
`;

/** Run argv under a fresh reaper; resolves with the reaper's PID once argv itself exited 0. */
function runReaped(argv: string[], timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('perl', ['-e', REAPER, ...argv], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`${argv.join(' ')} did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      child.unref();
      child.stdout.destroy();
      child.stderr.destroy();
      const code = Number(out.trim());
      if (code === 0) resolve(child.pid!);
      else reject(new Error(`${argv[0]} exited with ${code}: ${err.trim().slice(0, 1000)}`));
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function readPid(path: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i++) {
    if (await cond()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function killAndWait(pid: number | undefined, timeoutMs = 5000): Promise<void> {
  if (pid === undefined || !alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  try {
    await waitFor(() => !alive(pid), timeoutMs, `pid ${pid} to exit`);
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await waitFor(() => !alive(pid), 3000, `pid ${pid} to die`).catch(() => undefined);
  }
}

export interface StartOptions {
  prefix?: string;
  /**
   * Extra bind mounts inside libvirtd's namespace, e.g. an OVS test instance's run dir
   * over /run/openvswitch, so the ovs-vsctl that libvirtd runs finds that instance.
   */
  binds?: { source: string; target: string }[];
}

export async function startLibvirt(opts: StartOptions = {}): Promise<LibvirtInstance> {
  const missing = libvirtMissing();
  if (missing) throw new Error(missing);
  const dir = await mkdtemp(join(tmpdir(), `${opts.prefix ?? 'plt-lv'}-`));
  await chmod(dir, 0o755);
  for (const d of ['run', 'lib', 'cache', 'log', 'pool'])
    await mkdir(join(dir, d), { mode: 0o755 });
  await chmod(join(dir, 'pool'), 0o777);
  // What the Debian package ships under /var/log/libvirt: serial console logs go there.
  await mkdir(join(dir, 'log', 'qemu'), { mode: 0o755 });
  // A private copy of /etc/libvirt so persistent definitions never mix with the host's.
  await cp('/etc/libvirt', join(dir, 'etc'), { recursive: true });
  await rm(join(dir, 'etc', 'qemu', 'networks', 'autostart'), { recursive: true, force: true });
  await mkdir(join(dir, 'etc', 'qemu', 'networks', 'autostart'), { recursive: true });
  for (const f of await readdir(join(dir, 'etc', 'qemu'))) {
    if (f.endsWith('.xml')) await rm(join(dir, 'etc', 'qemu', f));
  }
  await writeFile(
    join(dir, 'libvirtd.conf'),
    [
      'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"',
      'unix_sock_rw_perms = "0700"',
      '',
    ].join('\n'),
  );
  const runDir = join(dir, 'run');
  const binds: string[] = [];
  for (const b of opts.binds ?? []) {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(b.source) || !/^\/[A-Za-z0-9._/-]+$/.test(b.target)) {
      throw new Error(`refusing bind ${b.source} -> ${b.target}`);
    }
    binds.push(b.source, b.target);
  }
  const socketPath = join(runDir, 'libvirt-sock');
  const uri = `qemu+unix:///system?socket=${socketPath}`;

  const virsh = async (args: readonly string[], timeoutMs = 30_000): Promise<string> => {
    const { stdout } = await run('virsh', ['-q', '-c', uri, ...args], {
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    return stdout;
  };

  const waitSocket = async (): Promise<void> => {
    await waitFor(
      async () => {
        if (!existsSync(socketPath)) return false;
        try {
          await virsh(['version'], 5000);
          return true;
        } catch {
          return false;
        }
      },
      20_000,
      'libvirtd to answer',
    );
  };

  let stopped = false;
  const reapers: number[] = [];
  const inst: LibvirtInstance = {
    dir,
    runDir,
    socketPath,
    uri,
    poolDir: join(dir, 'pool'),
    virsh,
    async qemuPid(name) {
      const pid = readPid(join(runDir, 'qemu', `${name}.pid`));
      return pid !== undefined && alive(pid) ? pid : undefined;
    },
    async stopLibvirtd() {
      await killAndWait(readPid(join(dir, 'libvirtd.pid')));
    },
    async startLibvirtd() {
      const logd = readPid(join(dir, 'virtlogd.pid'));
      if (logd === undefined) throw new Error('virtlogd is not running: the namespace is gone');
      reapers.push(
        await runReaped(
          [
            'nsenter',
            '-t',
            String(logd),
            '-m',
            '--',
            'libvirtd',
            '-d',
            '-p',
            join(dir, 'libvirtd.pid'),
            '-f',
            join(dir, 'libvirtd.conf'),
          ],
          20_000,
        ),
      );
      await waitSocket();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        const libvirtdUp = alive(readPid(join(dir, 'libvirtd.pid')) ?? -1);
        if (libvirtdUp) {
          const names = (await virsh(['list', '--name', '--state-running'], 10_000).catch(() => ''))
            .split('\n')
            .map((s) => s.trim())
            .filter(Boolean);
          for (const n of names) await virsh(['destroy', n], 15_000).catch(() => undefined);
        }
        // Whatever libvirt could not destroy (or started while libvirtd was down) dies by PID.
        const qemuDir = join(runDir, 'qemu');
        if (existsSync(qemuDir)) {
          for (const f of await readdir(qemuDir)) {
            if (f.endsWith('.pid')) await killAndWait(readPid(join(qemuDir, f)), 3000);
          }
        }
        await killAndWait(readPid(join(dir, 'libvirtd.pid')));
        await killAndWait(readPid(join(dir, 'virtlogd.pid')));
        // Reapers exit by themselves once nothing is left; these are only stragglers.
        for (const r of reapers) await killAndWait(r, 2000);
      } finally {
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      }
    },
  };

  try {
    reapers.push(
      await runReaped(
        [
          'unshare',
          '-m',
          '--propagation',
          'private',
          '--',
          '/bin/sh',
          '-c',
          START_SCRIPT,
          'plt-lv-start',
          dir,
          ...binds,
        ],
        30_000,
      ),
    );
    await waitSocket();
  } catch (e) {
    const log = await readFile(join(dir, 'log', 'libvirtd.log'), 'utf8').catch(() => '');
    await inst.stop();
    throw new Error(`private libvirtd did not start: ${(e as Error).message}\n${log.slice(-2000)}`);
  }
  return inst;
}
