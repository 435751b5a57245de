import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The .deb and the tarball, end to end: `npm run package`'s script builds both from
 * this tree into a fresh temp dir (nothing reused from an earlier run), lintian
 * judges the .deb, its contents are inspected, and it is installed for real with
 * dpkg -i, used, and purged. This is for a throwaway CI machine: it needs root and
 * changes /usr, /etc, /var/lib and the user database.
 */

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const version = (
  JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }
).version;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}
function run(file: string, args: string[], timeoutMs = 60_000, cwd = '/'): Ran {
  const r = spawnSync(file, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LC_ALL: 'C' },
  });
  return {
    status: r.status,
    stdout: r.stdout ?? '',
    stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`,
  };
}
const have = (cmd: string) => run('sh', ['-c', 'command -v "$1"', 'sh', cmd], 5000).status === 0;
const installed = () =>
  run('dpkg-query', ['-W', '-f=${Status}', 'plinth'], 30_000).stdout.includes('ok installed');

const missing = ['dpkg', 'dpkg-deb', 'dpkg-shlibdeps', 'lintian', 'tar', 'getent'].filter(
  (c) => !have(c),
);
if (process.getuid?.() !== 0) {
  t.plan(0, 'needs root: installs the .deb with dpkg -i');
} else if (process.platform !== 'linux' || process.arch !== 'x64') {
  t.plan(0, 'the package is amd64 and bundles this Node runtime');
} else if (missing.length > 0) {
  t.plan(0, `missing ${missing.join(', ')} (Debian packages dpkg-dev, lintian)`);
} else {
  // Build (~1-2 min), lintian (~1 min), install and purge: far beyond the default.
  t.setTimeout(15 * 60_000);
  main();
}

function main(): void {
  const out = mkdtempSync(join(tmpdir(), 'plt-pkg-deb-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const deb = join(out, `plinth_${version}_amd64.deb`);
  const tarball = join(out, `plinth-${version}-linux-x64.tar.gz`);
  let built = false;
  // Subtests run in order; a failed build fails the first one and skips the rest.
  const needBuilt = (t: Test): boolean => {
    if (!built) t.plan(0, 'no package was built');
    return built;
  };

  t.test('npm run package builds the .deb and the tarball', async (t) => {
    // gzip rather than the default xz: same tree, a fraction of the time.
    const r = run(
      process.execPath,
      [join(repo, 'scripts', 'package.mjs'), '--out', out, '--compression', 'gzip'],
      10 * 60_000,
      repo,
    );
    t.equal(
      r.status,
      0,
      `package.mjs exit status\n${r.stdout.slice(-3000)}${r.stderr.slice(-3000)}`,
    );
    t.match(r.stdout, /\[package +[0-9.]+s\] compiling TypeScript/, 'prints progress lines');
    t.match(
      r.stdout,
      new RegExp(`plinth --version: .*${version.replace(/\./g, '\\.')}`),
      'smoke-tested the CLI',
    );
    t.ok(existsSync(deb), deb);
    t.ok(existsSync(tarball), tarball);
    t.notOk(existsSync(join(out, `.stage-plinth-${version}-linux-x64`)), 'stage removed');
    built = r.status === 0 && existsSync(deb) && existsSync(tarball);
  });

  t.test('lintian reports no errors', async (t) => {
    if (!needBuilt(t)) return;
    const r = run('lintian', ['--tag-display-limit', '0', deb], 10 * 60_000);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('E: '));
    t.same(errors, [], 'no E: tags');
    t.notMatch(r.stderr, /^(error|fatal)/im, 'lintian itself ran cleanly');
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('W: ')).length;
    t.comment(`lintian: ${warnings} warning(s)`);
  });

  t.test('control data', async (t) => {
    if (!needBuilt(t)) return;
    const field = (f: string) => run('dpkg-deb', ['-f', deb, f]).stdout.trim();
    t.equal(field('Package'), 'plinth');
    t.equal(field('Version'), version);
    t.equal(field('Architecture'), 'amd64');
    t.match(field('Depends'), /\blibc6 \(>= [0-9.]+\)/, 'Depends from dpkg-shlibdeps');
    t.match(field('Depends'), /libstdc\+\+6/);
    t.notMatch(field('Depends'), /nodejs/, 'the Node runtime is bundled, not a dependency');
    t.match(field('Installed-Size'), /^[0-9]+$/);
    t.equal(
      run('dpkg-deb', ['-I', deb, 'conffiles']).stdout,
      '/etc/plinth/agent.json\n/etc/plinth/coordinator.json\n',
      'the default configs are conffiles',
    );
    for (const s of ['postinst', 'prerm', 'postrm']) {
      t.equal(run('dpkg-deb', ['-I', deb, s]).status, 0, `has ${s}`);
    }
  });

  t.test('.deb contents', async (t) => {
    if (!needBuilt(t)) return;
    const r = run('dpkg-deb', ['-c', deb]);
    t.equal(r.status, 0);
    const lines = r.stdout.trim().split('\n');
    const entries = new Map(
      lines.map((l) => {
        const cols = l.split(/\s+/);
        return [
          cols
            .slice(5)
            .join(' ')
            .replace(/^\./, '')
            .replace(/ -> .*$/, ''),
          cols,
        ] as const;
      }),
    );
    const mode = (p: string) => entries.get(p)?.[0];
    for (const p of [
      '/usr/bin/plinth',
      '/usr/lib/plinth/node',
      '/usr/lib/plinth/bin/plinth.js',
      '/usr/lib/plinth/package.json',
      '/usr/lib/plinth/dist/coordinator/cli/main.js',
      '/usr/lib/plinth/dist/agent/agent.js',
      '/usr/lib/plinth/dist/lib/sd-notify.js',
      '/usr/lib/plinth/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      '/usr/lib/plinth/node_modules/unix-dgram/build/Release/unix_dgram.node',
      '/usr/lib/plinth/node_modules/@grpc/grpc-js/package.json',
      '/lib/systemd/system/plinth-agent.service',
      '/lib/systemd/system/plinth-coordinator.service',
      '/etc/plinth/agent.json',
      '/etc/plinth/coordinator.json',
      '/usr/share/doc/plinth/copyright',
      '/usr/share/doc/plinth/changelog.gz',
      '/usr/share/doc/plinth/LICENSE.node',
      '/usr/share/man/man1/plinth.1.gz',
    ]) {
      t.ok(entries.has(p), `contains ${p}`);
    }
    t.ok(
      [...entries.keys()].some((p) =>
        /^\/usr\/lib\/plinth\/proto\/plinth\/v1\/[^/]+\.proto$/.test(p),
      ),
      'contains the .proto files',
    );
    t.equal(mode('/usr/bin/plinth'), '-rwxr-xr-x');
    t.equal(mode('/usr/lib/plinth/node'), '-rwxr-xr-x');
    t.equal(
      mode('/usr/lib/plinth/node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
      '-rw-r--r--',
    );
    t.same(
      lines.filter((l) => !/^\S+ root\/root /.test(l)),
      [],
      'every entry is owned by root/root',
    );
    const paths = [...entries.keys()];
    for (const dev of [
      'typescript',
      'tap',
      'tsx',
      'eslint',
      'prettier',
      '@types/better-sqlite3',
      '.bin',
    ]) {
      t.notOk(
        paths.some((p) => p.startsWith(`/usr/lib/plinth/node_modules/${dev}/`)),
        `no dev dependency ${dev}`,
      );
    }
    t.notOk(
      paths.some((p) => p.startsWith('/usr/lib/plinth/dist/') && p.endsWith('.js.map')),
      'no source maps of our own (their .ts is not shipped)',
    );
    t.notOk(
      paths.some((p) => p.startsWith('/usr/lib/plinth/dist/test/')),
      'no compiled tests',
    );
    t.notOk(
      paths.some((p) => p.includes('/obj.target/')),
      'no compiler intermediates',
    );
  });

  t.test('the shipped default configs are accepted by the daemons', async (t) => {
    const { parseAgentConfig } = (await import('../../../agent/config.js')) as {
      parseAgentConfig: (raw: unknown, source?: string) => { dataDir: string };
    };
    const { parseCoordinatorConfig } = (await import('../../../coordinator/config.js')) as {
      parseCoordinatorConfig: (raw: unknown, source?: string) => { dataDir: string };
    };
    const read = (f: string) =>
      JSON.parse(readFileSync(join(repo, 'packaging', 'etc', f), 'utf8')) as unknown;
    t.equal(parseAgentConfig(read('agent.json')).dataDir, '/var/lib/plinth/agent');
    t.equal(
      parseCoordinatorConfig(read('coordinator.json')).dataDir,
      '/var/lib/plinth/coordinator',
    );
  });

  t.test('dpkg -i installs it; plinth runs; dpkg --purge removes it', async (t) => {
    if (!needBuilt(t)) return;
    if (installed()) {
      t.comment('plinth was installed (an earlier run?): purging it first');
      run('dpkg', ['--purge', 'plinth'], 120_000);
    }
    t.teardown(() => {
      if (installed()) run('dpkg', ['--purge', 'plinth'], 120_000);
    });
    const inst = run('dpkg', ['-i', deb], 300_000);
    t.equal(inst.status, 0, `dpkg -i\n${inst.stdout}${inst.stderr}`);
    t.ok(installed(), 'dpkg says installed');

    const v = run('/usr/bin/plinth', ['--version']);
    t.equal(v.status, 0, `plinth --version: ${v.stderr}`);
    t.match(v.stdout, version);
    // A Node 18 (or no node) on PATH must not matter: the bundled runtime runs.
    const bare = spawnSync('/usr/bin/plinth', ['--version'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: '/nonexistent' },
      cwd: '/',
    });
    t.equal(bare.status, 0, `runs with an empty PATH: ${bare.stderr}`);

    const pw = run('getent', ['passwd', 'plinth']).stdout.trim().split(':');
    t.equal(pw[0], 'plinth', 'user plinth exists');
    t.ok(Number(pw[2]) < 1000, `a system uid (${pw[2]})`);
    t.equal(pw[5], '/var/lib/plinth/coordinator');
    t.match(pw[6], /nologin$/);
    t.equal(run('getent', ['group', 'plinth']).status, 0, 'group plinth exists');
    if (have('runuser')) {
      const asPlinth = run('runuser', ['-u', 'plinth', '--', '/usr/bin/plinth', '--version']);
      t.equal(asPlinth.status, 0, `the coordinator's user can run plinth: ${asPlinth.stderr}`);
    }

    const uid = Number(pw[2]);
    const st = (p: string) => statSync(p);
    t.equal(st('/var/lib/plinth/agent').mode & 0o777, 0o700);
    t.equal(st('/var/lib/plinth/agent').uid, 0);
    t.equal(st('/var/lib/plinth/coordinator').mode & 0o777, 0o750);
    t.equal(st('/var/lib/plinth/coordinator').uid, uid);
    t.equal(st('/etc/plinth/coordinator.json').mode & 0o777, 0o640);
    t.equal(st('/etc/plinth/pki').mode & 0o777, 0o750);
    for (const u of ['plinth-agent.service', 'plinth-coordinator.service']) {
      t.equal(
        readFileSync(`/lib/systemd/system/${u}`, 'utf8'),
        readFileSync(join(repo, 'systemd', u), 'utf8'),
        `${u} installed`,
      );
    }
    const verify = run('dpkg', ['--verify', 'plinth']);
    t.equal(verify.stdout + verify.stderr, '', 'dpkg --verify: files as shipped');

    // Reinstalling over itself (an upgrade to the same version) keeps working.
    t.equal(run('dpkg', ['-i', deb], 300_000).status, 0, 'reinstall');

    const purge = run('dpkg', ['--purge', 'plinth'], 120_000);
    t.equal(purge.status, 0, `dpkg --purge\n${purge.stdout}${purge.stderr}`);
    t.notOk(installed(), 'dpkg says not installed');
    for (const p of [
      '/usr/bin/plinth',
      '/usr/lib/plinth',
      '/lib/systemd/system/plinth-agent.service',
      '/lib/systemd/system/plinth-coordinator.service',
      '/var/lib/plinth',
      '/etc/plinth',
    ]) {
      t.notOk(existsSync(p), `${p} is gone`);
    }
  });

  t.test('the tarball holds the same tree and runs from anywhere', async (t) => {
    if (!needBuilt(t)) return;
    const top = `plinth-${version}-linux-x64`;
    const list = run('tar', ['-tvzf', tarball, '--numeric-owner'], 120_000);
    t.equal(list.status, 0);
    const lines = list.stdout.trim().split('\n');
    const names = lines.map((l) =>
      l
        .split(/\s+/)
        .slice(5)
        .join(' ')
        .replace(/ -> .*$/, ''),
    );
    for (const p of [
      'INSTALL.md',
      'postinst',
      'usr/bin/plinth',
      'usr/lib/plinth/node',
      'usr/lib/plinth/bin/plinth.js',
      'lib/systemd/system/plinth-agent.service',
      'lib/systemd/system/plinth-coordinator.service',
      'etc/plinth/agent.json',
      'etc/plinth/coordinator.json',
      'usr/share/doc/plinth/copyright',
    ]) {
      t.ok(names.includes(`${top}/${p}`), `tarball has ${p}`);
    }
    t.notOk(
      names.some((n) => n.startsWith(`${top}/DEBIAN`)),
      'no DEBIAN/',
    );
    t.ok(
      names.every((n) => n.startsWith(`${top}/`)),
      'everything under one top directory',
    );
    t.same(
      lines.filter((l) => !/^\S+ 0\/0 /.test(l)),
      [],
      'every entry is owned by 0/0',
    );
    const debFiles = run('dpkg-deb', ['-c', deb])
      .stdout.trim()
      .split('\n')
      .map((l) =>
        l
          .split(/\s+/)
          .slice(5)
          .join(' ')
          .replace(/^\.\//, '')
          .replace(/ -> .*$/, ''),
      )
      .filter((p) => p.startsWith('usr/lib/plinth/') && !p.endsWith('/'));
    const tarFiles = new Set(names.map((n) => n.slice(top.length + 1)));
    t.same(
      debFiles.filter((p) => !tarFiles.has(p)),
      [],
      'the tarball has every file of /usr/lib/plinth in the .deb',
    );

    const dir = mkdtempSync(join(tmpdir(), 'plt-pkg-tar-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    t.equal(run('tar', ['-xzf', tarball, '-C', dir], 120_000).status, 0, 'extracts');
    const lib = join(dir, top, 'usr', 'lib', 'plinth');
    const v = run(join(lib, 'node'), [join(lib, 'bin', 'plinth.js'), '--version']);
    t.equal(v.status, 0, `runs from ${lib}: ${v.stderr}`);
    t.match(v.stdout, version);
  });
}
