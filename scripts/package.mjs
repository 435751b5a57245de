#!/usr/bin/env node
// npm run package: builds build/plinth_<version>_amd64.deb and
// build/plinth-<version>-linux-x64.tar.gz from a fresh compile of this tree.
// What goes where, and why, is in packaging/README.md.
//
//   node scripts/package.mjs [--out DIR] [--compression xz|gzip|zstd] [--lintian]
//                            [--keep-stage] [--allow-type-errors]
//
// Every step starts from nothing: the stage is deleted first, TypeScript is compiled
// straight into it (a stale file in dist/ from a deleted source can never ship),
// node_modules is copied from the tree the tests ran against and pruned to the
// production set. Every command has a timeout.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = join(repo, 'packaging');
const started = Date.now();

function progress(msg) {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[package ${s}s] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`package: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = {
    out: join(repo, 'build'),
    compression: 'xz',
    lintian: false,
    keepStage: false,
    allowTypeErrors: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') opts.out = resolve(argv[++i] ?? fail('--out needs a directory'));
    else if (a === '--lintian') opts.lintian = true;
    // xz is what Debian's archive uses; gzip builds in a tenth of the time (tests).
    else if (a === '--compression') {
      opts.compression = argv[++i] ?? '';
      if (!['xz', 'gzip', 'zstd'].includes(opts.compression))
        fail('--compression: xz, gzip or zstd');
    } else if (a === '--keep-stage') opts.keepStage = true;
    // For trying the packaging while other code is mid-change; never in CI.
    else if (a === '--allow-type-errors') opts.allowTypeErrors = true;
    else {
      fail(
        `unknown argument ${a} (known: --out DIR, --compression xz|gzip|zstd, --lintian, ` +
          '--keep-stage, --allow-type-errors)',
      );
    }
  }
  return opts;
}

/** Runs argv (never a shell string) with a hard timeout; throws with its output on failure. */
function run(
  file,
  args,
  { cwd = repo, timeoutMs = 120_000, env, capture = true, okStatus = [0] } = {},
) {
  const r = spawnSync(file, args, {
    cwd,
    env: env ?? process.env,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  const cmd = [file, ...args].join(' ').slice(0, 300);
  if (r.error) {
    if (r.error.code === 'ENOENT') fail(`${file} is not installed (${cmd})`);
    if (r.error.code === 'ETIMEDOUT') fail(`${cmd} did not finish within ${timeoutMs} ms`);
    fail(`${cmd}: ${r.error.message}`);
  }
  if (!okStatus.includes(r.status)) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().slice(-4000);
    fail(`${cmd} exited with ${r.status ?? r.signal}${out ? `:\n${out}` : ''}`);
  }
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status };
}

function have(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { timeout: 5000 }).status === 0;
}

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    yield { path: p, entry: e };
    if (e.isDirectory()) yield* walk(p);
  }
}

function writeFile(path, text, mode = 0o644) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

function copy(from, to, mode = 0o644) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  chmodSync(to, mode);
}

/** The top entry of packaging/debian/changelog: version and date must match the release. */
function readChangelog() {
  const text = readFileSync(join(pkgDir, 'debian', 'changelog'), 'utf8');
  const head = /^plinth \(([^)]+)\) /.exec(text);
  const trailer = /^ -- (.+ <[^>]+>) {2}(.+)$/m.exec(text);
  if (!head || !trailer) fail('packaging/debian/changelog: no parsable top entry');
  return { text, version: head[1], maintainer: trailer[1], date: new Date(trailer[2]) };
}

/**
 * plinth(1), from the CLI's own --help, so the page never disagrees with the
 * program. Each subcommand documents itself with `plinth help COMMAND`.
 */
function manPage(helpText) {
  const esc = (l) => {
    const e = l.replace(/\\/g, '\\e').replace(/-/g, '\\-');
    return /^[.']/.test(e) ? `\\&${e}` : e;
  };
  const day = new Date(epoch * 1000).toISOString().slice(0, 10);
  return [
    `.TH PLINTH 1 "${day}" "plinth ${version}" "User Commands"`,
    '.SH NAME',
    'plinth \\- host layer of a private cloud: agent and coordinator daemons, operator CLI',
    '.SH SYNOPSIS',
    '.B plinth',
    '[\\fIOPTIONS\\fR] \\fICOMMAND\\fR ...',
    '.SH DESCRIPTION',
    'The output of \\fBplinth \\-\\-help\\fR; \\fBplinth help \\fICOMMAND\\fR describes each command.',
    '.PP',
    '.nf',
    ...helpText.trimEnd().split('\n').map(esc),
    '.fi',
    '.SH FILES',
    '.TP',
    '.I /etc/plinth/agent.json, /etc/plinth/coordinator.json',
    'daemon configuration',
    '.TP',
    '.I /etc/plinth/pki',
    'CA, certificates and keys',
    '.TP',
    '.I /var/lib/plinth',
    'the daemons\\(aq SQLite databases',
    '.SH SEE ALSO',
    '.BR systemctl (1),',
    '/usr/share/doc/plinth/README.md',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------

const opts = parseArgs(process.argv.slice(2));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const version = pkg.version;
const changelog = readChangelog();

if (process.platform !== 'linux' || process.arch !== 'x64') {
  fail(
    `the package bundles this Node runtime, so it must be built on linux/x64 (this is ${process.platform}/${process.arch})`,
  );
}
if (Number(process.versions.node.split('.')[0]) < 20) {
  fail(
    `Node ${process.version} builds it, but plinth needs Node >= 20: run npm run package with Node 20+`,
  );
}
if (changelog.version !== version) {
  fail(
    `package.json says ${version} but packaging/debian/changelog's top entry is ${changelog.version}: add a changelog entry`,
  );
}
for (const tool of ['dpkg-deb', 'dpkg-shlibdeps', 'tar', 'cp']) {
  if (!have(tool)) fail(`${tool} is needed (Debian packages dpkg-dev, tar, coreutils)`);
}
const canStrip = have('strip');
// Reproducible timestamps: the changelog's date, as dpkg-buildpackage does.
const epoch = Math.floor(changelog.date.getTime() / 1000);
const buildEnv = { ...process.env, SOURCE_DATE_EPOCH: String(epoch) };

const debName = `plinth_${version}_amd64.deb`;
const tarBase = `plinth-${version}-linux-x64`;
mkdirSync(opts.out, { recursive: true });
const stage = join(opts.out, `.stage-${tarBase}`);
rmSync(stage, { recursive: true, force: true });
const lib = join(stage, 'usr', 'lib', 'plinth');
mkdirSync(lib, { recursive: true });
progress(`plinth ${version}: staging in ${relative(repo, stage) || stage}`);

// 1. Compile. Same tsconfig as `npm run build`, emitted straight into the stage.
{
  progress('compiling TypeScript (tsconfig.build.json)');
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = run(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', join(lib, 'dist')],
    {
      timeoutMs: 300_000,
      okStatus: opts.allowTypeErrors ? [0, 1, 2] : [0],
    },
  );
  if (r.status !== 0)
    progress(`WARNING: type errors ignored (--allow-type-errors):\n${r.stdout.trim()}`);
  // Source maps point at .ts files that are not shipped.
  for (const { path, entry } of walk(join(lib, 'dist'))) {
    if (entry.isFile() && path.endsWith('.js.map')) rmSync(path);
  }
}

// 2. The entry point, the wire contract, package.json.
{
  // /usr/bin/plinth runs it with the bundled node: no shebang (it would name an
  // interpreter the package does not depend on), not executable.
  const entry = readFileSync(join(repo, 'bin', 'plinth.js'), 'utf8').replace(/^#!.*\n/, '');
  writeFile(join(lib, 'bin', 'plinth.js'), entry, 0o644);
  for (const { path, entry: e } of walk(join(repo, 'proto', 'plinth'))) {
    if (e.isFile() && path.endsWith('.proto')) copy(path, join(lib, relative(repo, path)));
  }
  copy(join(repo, 'package.json'), join(lib, 'package.json'));
}

// 3. Production node_modules. Copied from the tree the tests ran against and pruned
// with the lockfile, rather than `npm ci --omit=dev`: no registry access is needed,
// it takes seconds instead of minutes, and the native addons shipped are the very
// binaries that were built (allowScripts) and tested against this Node ABI.
{
  progress('copying node_modules and pruning it to production dependencies');
  if (!existsSync(join(repo, 'node_modules', '.package-lock.json'))) {
    fail('node_modules is missing or was not installed by npm: run npm ci first');
  }
  run('cp', ['-a', join(repo, 'node_modules'), join(lib, 'node_modules')], { timeoutMs: 300_000 });
  copy(join(repo, 'package-lock.json'), join(lib, 'package-lock.json'));
  const npmCli = process.env.npm_execpath;
  const [npmFile, npmArgs] =
    npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
  run(
    npmFile,
    [...npmArgs, 'prune', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'],
    { cwd: lib, timeoutMs: 300_000 },
  );
  rmSync(join(lib, 'package-lock.json'));
  // Links to dev tools' CLIs; nothing at runtime executes them.
  rmSync(join(lib, 'node_modules', '.bin'), { recursive: true, force: true });
  // Native addons: keep the built *.node, drop the compiler's intermediate files.
  let addons = 0;
  for (const { path, entry } of walk(join(lib, 'node_modules'))) {
    if (!entry.isFile() || entry.name !== 'binding.gyp') continue;
    const build = join(dirname(path), 'build');
    if (!existsSync(build)) continue;
    // Only build/Release/*.node is loaded; obj.target/ holds a second copy of each.
    for (const e of readdirSync(build)) {
      if (e !== 'Release') rmSync(join(build, e), { recursive: true, force: true });
    }
    for (const e of readdirSync(join(build, 'Release'), { withFileTypes: true })) {
      if (!(e.isFile() && e.name.endsWith('.node'))) {
        rmSync(join(build, 'Release', e.name), { recursive: true, force: true });
      }
    }
    addons++;
  }
  // Development leftovers in published packages: linters' and git's dotfiles.
  const junk =
    /^\.(eslintrc(\..*)?|eslintignore|npmignore|gitignore|gitattributes|gitmodules|travis\.yml|editorconfig|prettierrc(\..*)?|prettierignore|jshintrc|nycrc(\..*)?|taprc)$/;
  for (const { path, entry } of walk(join(lib, 'node_modules'))) {
    if (entry.isFile() && junk.test(entry.name)) rmSync(path);
  }
  // better-sqlite3's own test fixture: a SQLite extension, not a Node addon.
  rmSync(join(lib, 'node_modules', 'better-sqlite3', 'build', 'Release', 'test_extension.node'), {
    force: true,
  });
  progress(`pruned; ${addons} native addon(s) kept`);
}

// 4. The Node runtime that built (and ran the tests of) this tree.
{
  progress(`bundling Node ${process.version} from ${process.execPath}`);
  copy(process.execPath, join(lib, 'node'), 0o755);
  const licenseCandidates = [
    join(dirname(process.execPath), '..', 'share', 'doc', 'node', 'LICENSE'),
    '/usr/share/doc/nodejs/LICENSE',
    '/usr/share/doc/node/LICENSE',
  ];
  const license = licenseCandidates.find((p) => existsSync(p));
  if (!license) fail(`Node's LICENSE not found (looked in ${licenseCandidates.join(', ')})`);
  copy(license, join(stage, 'usr', 'share', 'doc', 'plinth', 'LICENSE.node'));
}

// Every ELF we ship: the runtime and the addons. Stripped (as dh_strip would);
// .dynsym stays, so addons still find node's N-API symbols.
const elfFiles = [join(lib, 'node')];
for (const { path, entry } of walk(join(lib, 'node_modules'))) {
  if (entry.isFile() && path.endsWith('.node')) elfFiles.push(path);
}
if (canStrip) {
  progress(`stripping ${elfFiles.length} ELF file(s)`);
  for (const f of elfFiles) {
    run('strip', ['--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', f], {
      timeoutMs: 120_000,
    });
  }
} else {
  progress('WARNING: strip not found (binutils); shipping unstripped binaries');
}

// 5. Smoke test of the staged tree with the staged runtime: every addon loads,
// SQLite works, and the CLI answers --version.
{
  progress('smoke test: staged node loads every native addon');
  const node = join(lib, 'node');
  const v = run(node, ['--version'], { cwd: lib, timeoutMs: 30_000 }).stdout.trim();
  if (v !== process.version) fail(`staged node says ${v}, expected ${process.version}`);
  const addons = elfFiles.slice(1).map((f) => relative(lib, f));
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(process.cwd() + '/package.json');
    for (const f of ${JSON.stringify(addons)}) require('./' + f);
    const Database = require('better-sqlite3');
    const db = new Database(':memory:');
    if (db.prepare('select 41 + 1 as x').get().x !== 42) throw new Error('sqlite answered wrong');
    db.close();
    require('unix-dgram').createSocket('unix_dgram').close();
  `;
  run(node, ['--input-type=module', '-e', script], { cwd: lib, timeoutMs: 60_000 });
  if (existsSync(join(lib, 'dist', 'coordinator', 'cli', 'main.js'))) {
    const out = run(node, [join(lib, 'bin', 'plinth.js'), '--version'], {
      cwd: '/',
      timeoutMs: 60_000,
    });
    if (!out.stdout.includes(version))
      fail(`plinth --version printed ${JSON.stringify(out.stdout)}, not ${version}`);
    progress(`plinth --version: ${out.stdout.trim()}`);
    const help = run(node, [join(lib, 'bin', 'plinth.js'), '--help'], {
      cwd: '/',
      timeoutMs: 60_000,
    });
    writeFile(
      join(stage, 'usr', 'share', 'man', 'man1', 'plinth.1.gz'),
      gzipSync(manPage(help.stdout), { level: 9 }),
    );
  } else {
    progress('WARNING: dist/coordinator/cli/main.js not built (no CLI yet): --version not checked');
  }
}

// 6. Files outside /usr/lib/plinth.
{
  copy(join(pkgDir, 'plinth.sh'), join(stage, 'usr', 'bin', 'plinth'), 0o755);
  for (const unit of ['plinth-agent.service', 'plinth-coordinator.service']) {
    copy(join(repo, 'systemd', unit), join(stage, 'lib', 'systemd', 'system', unit));
  }
  for (const conf of ['agent.json', 'coordinator.json']) {
    copy(join(pkgDir, 'etc', conf), join(stage, 'etc', 'plinth', conf));
  }
  const doc = join(stage, 'usr', 'share', 'doc', 'plinth');
  copy(join(pkgDir, 'README.md'), join(doc, 'README.md'));
  // A native package (no Debian revision): the changelog is changelog.gz.
  writeFile(join(doc, 'changelog.gz'), gzipSync(changelog.text, { level: 9 }));
  const licenses = new Set();
  for (const { path, entry } of walk(join(lib, 'node_modules'))) {
    if (!entry.isFile() || entry.name !== 'package.json') continue;
    if (relative(join(lib, 'node_modules'), path).split('/').includes('test')) continue;
    try {
      const p = JSON.parse(readFileSync(path, 'utf8'));
      if (!p.name || !p.version) continue;
      const l = typeof p.license === 'string' ? p.license : p.license?.type;
      licenses.add(l ?? 'unspecified');
    } catch {
      // Not every package.json in a package's files is valid JSON (fixtures).
    }
  }
  const copyright = readFileSync(join(pkgDir, 'debian', 'copyright'), 'utf8').replace(
    '@NODE_MODULES_LICENSES@',
    [...licenses].sort().join(', '),
  );
  writeFile(join(doc, 'copyright'), copyright);
  copy(
    join(pkgDir, 'debian', 'lintian-overrides'),
    join(stage, 'usr', 'share', 'lintian', 'overrides', 'plinth'),
  );
}

// 7. Normalised modes: directories 0755, files 0644; executable only what is run
// directly: /usr/bin/plinth and the runtime. Nothing executes the npm packages'
// own CLI scripts, and addons are dlopen()ed, never executed.
const executables = new Set([join(stage, 'usr', 'bin', 'plinth'), join(lib, 'node')]);
for (const { path, entry } of walk(stage)) {
  if (entry.isSymbolicLink()) continue;
  if (entry.isDirectory()) chmodSync(path, 0o755);
  else chmodSync(path, executables.has(path) ? 0o755 : 0o644);
}

// 8. DEBIAN/: control, conffiles, md5sums, maintainer scripts.
{
  progress('computing Depends with dpkg-shlibdeps');
  const shlibTmp = mkdtempSync(join(tmpdir(), 'plinth-shlibdeps-'));
  let shlibs;
  try {
    writeFile(
      join(shlibTmp, 'debian', 'control'),
      'Source: plinth\n\nPackage: plinth\nArchitecture: amd64\n',
    );
    const r = run('dpkg-shlibdeps', ['-O', ...elfFiles.map((f) => `-e${f}`)], { cwd: shlibTmp });
    shlibs = /^shlibs:Depends=(.*)$/m.exec(r.stdout)?.[1];
  } finally {
    rmSync(shlibTmp, { recursive: true, force: true });
  }
  if (!shlibs) fail('dpkg-shlibdeps found no library dependencies');

  let installedKiB = 0;
  const md5 = [];
  for (const { path, entry } of walk(stage)) {
    const st = lstatSync(path);
    installedKiB += entry.isFile() ? Math.ceil(st.size / 1024) : 1;
    if (entry.isFile()) {
      md5.push(
        `${createHash('md5').update(readFileSync(path)).digest('hex')}  ${relative(stage, path)}`,
      );
    }
  }
  md5.sort((a, b) => (a.slice(34) < b.slice(34) ? -1 : 1));

  const control = [
    'Package: plinth',
    `Version: ${version}`,
    'Architecture: amd64',
    `Maintainer: ${changelog.maintainer}`,
    `Installed-Size: ${installedKiB}`,
    `Depends: ${shlibs}, adduser | passwd`,
    'Suggests: libvirt-daemon-system, libvirt-clients, qemu-utils, openvswitch-switch, frr, ipmitool, ceph-common, prometheus',
    'Section: admin',
    'Priority: optional',
    'Description: host layer of a private cloud: host agent and coordinator',
    ' plinth runs a small agent on every hypervisor, storage and switch host. It',
    ' manages what is local to that host (KVM domains through libvirt, Open',
    ' vSwitch, FRRouting BGP sessions, BMC sensors and power, Ceph) and streams',
    ' its state over mutually authenticated gRPC to a thin coordinator, which',
    ' keeps the cluster picture, detects lost hosts and fences them.',
    ' .',
    ' The package carries its own Node.js runtime under /usr/lib/plinth and',
    ' installs systemd units for both daemons, disabled until configured.',
    '',
  ].join('\n');
  const debian = join(stage, 'DEBIAN');
  writeFile(join(debian, 'control'), control);
  writeFile(join(debian, 'conffiles'), '/etc/plinth/agent.json\n/etc/plinth/coordinator.json\n');
  writeFile(join(debian, 'md5sums'), md5.join('\n') + '\n');
  for (const script of ['postinst', 'prerm', 'postrm']) {
    copy(join(pkgDir, 'debian', script), join(debian, script), 0o755);
  }
  chmodSync(debian, 0o755);
}

// 9. The .deb.
const debPath = join(opts.out, debName);
{
  progress(`building ${relative(repo, debPath)} (dpkg-deb, ${opts.compression})`);
  rmSync(debPath, { force: true });
  const level = { xz: '-z6', gzip: '-z6', zstd: '-z9' }[opts.compression];
  run(
    'dpkg-deb',
    ['--root-owner-group', `-Z${opts.compression}`, level, '--build', stage, debPath],
    {
      timeoutMs: 600_000,
      env: buildEnv,
    },
  );
}

// 10. The tarball: the same tree (the .deb is built, so the stage can change now),
// minus DEBIAN/ and lintian's overrides, plus the install note and the postinst to
// run by hand, all under one top directory.
const tarPath = join(opts.out, `${tarBase}.tar.gz`);
{
  progress(`building ${relative(repo, tarPath)}`);
  copy(join(pkgDir, 'INSTALL.tarball.md'), join(stage, 'INSTALL.md'));
  copy(join(pkgDir, 'debian', 'postinst'), join(stage, 'postinst'), 0o755);
  rmSync(join(stage, 'usr', 'share', 'lintian'), { recursive: true, force: true });
  rmSync(tarPath, { force: true });
  const members = readdirSync(stage)
    .filter((e) => e !== 'DEBIAN')
    .sort();
  run(
    'tar',
    [
      '--sort=name',
      `--mtime=@${epoch}`,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      // r: rename members only, never the targets of symlinks.
      `--transform=flags=r;s,^,${tarBase}/,`,
      '--use-compress-program=gzip -n',
      '-cf',
      tarPath,
      '-C',
      stage,
      ...members,
    ],
    { timeoutMs: 600_000, env: buildEnv },
  );
}

// 11. Optional lintian (the packaging test always runs it).
if (opts.lintian) {
  progress('lintian');
  const r = run('lintian', ['--tag-display-limit', '0', debPath], {
    timeoutMs: 600_000,
    okStatus: [0, 1, 2],
  });
  process.stdout.write(r.stdout);
  if (/^E: /m.test(r.stdout)) fail('lintian reported errors');
}

if (!opts.keepStage) rmSync(stage, { recursive: true, force: true });
const mib = (p) => (statSync(p).size / 1048576).toFixed(1);
progress(
  `done: ${relative(repo, debPath)} (${mib(debPath)} MiB), ${relative(repo, tarPath)} (${mib(tarPath)} MiB)`,
);
