import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  decryptSecret,
  encryptSecret,
  keyFileProblem,
  loadOrCreateKeyFile,
  parseKeyMaterial,
} from '../../../coordinator/fencing/credentials.js';
import { ErrorCodes } from '../../../lib/errors.js';

const key = Buffer.alloc(32, 7);

t.test('round trip, bound to the host id', async (t) => {
  const blob = encryptSecret(key, 'hunter2 ünïcode', 'host-a');
  t.match(blob, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
  t.notOk(blob.includes('hunter2'));
  t.equal(decryptSecret(key, blob, 'host-a'), 'hunter2 ünïcode');
  t.not(
    encryptSecret(key, 'same', 'h'),
    encryptSecret(key, 'same', 'h'),
    'random IV per encryption',
  );
  const fixedIv = Buffer.alloc(12, 1);
  t.equal(
    encryptSecret(key, 'x', 'h', fixedIv),
    encryptSecret(key, 'x', 'h', fixedIv),
    'deterministic given the IV',
  );
});

t.test('wrong key, wrong host, tampering and garbage are refused without detail', async (t) => {
  const blob = encryptSecret(key, 'hunter2', 'host-a');
  const parts = blob.split('.');
  const flipped = Buffer.from(parts[3]!, 'base64url');
  flipped[0] = flipped[0]! ^ 1;
  const table: [string, () => string, string][] = [
    [
      'wrong key',
      () => decryptSecret(Buffer.alloc(32, 8), blob, 'host-a'),
      ErrorCodes.PERMISSION_DENIED,
    ],
    ['wrong host', () => decryptSecret(key, blob, 'host-b'), ErrorCodes.PERMISSION_DENIED],
    [
      'tampered data',
      () =>
        decryptSecret(
          key,
          [...parts.slice(0, 3), flipped.toString('base64url')].join('.'),
          'host-a',
        ),
      ErrorCodes.PERMISSION_DENIED,
    ],
    ['not a blob', () => decryptSecret(key, 'hunter2', 'host-a'), ErrorCodes.INVALID_ARGUMENT],
    [
      'short tag',
      () => decryptSecret(key, `v1.${parts[1]}.AAAA.${parts[3]}`, 'host-a'),
      ErrorCodes.INVALID_ARGUMENT,
    ],
    ['short key', () => encryptSecret(Buffer.alloc(16), 'x', 'h'), ErrorCodes.CONFIG],
  ];
  for (const [what, fn, code] of table) {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    t.match(err, { code }, what);
    t.notOk(String((err as Error)?.message).includes('hunter2'), what);
  }
});

t.test('key material and key file checks (pure)', async (t) => {
  const raw = randomBytes(32);
  t.same(parseKeyMaterial(raw, 'k'), raw);
  t.same(parseKeyMaterial(Buffer.from(raw.toString('hex') + '\n'), 'k'), raw);
  t.throws(() => parseKeyMaterial(Buffer.from('short'), 'k'), { code: ErrorCodes.CONFIG });
  t.equal(keyFileProblem({ mode: 0o100600, uid: 0, isFile: true }, 0, 'k'), null);
  t.match(
    keyFileProblem({ mode: 0o100644, uid: 0, isFile: true }, 0, 'k'),
    /readable or writable by others \(mode 644\): run chmod 600 k/,
  );
  t.match(keyFileProblem({ mode: 0o100620, uid: 0, isFile: true }, 0, 'k'), /mode 620/);
  t.match(keyFileProblem({ mode: 0o100600, uid: 1000, isFile: true }, 0, 'k'), /owned by uid 1000/);
  t.match(keyFileProblem({ mode: 0o120777, uid: 0, isFile: false }, 0, 'k'), /not a regular file/);
});

t.test(
  'key file IO: created 0600 when missing, reused, refused when others can read it',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'plt-bmc-key-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'bmc.key');
    const a = await loadOrCreateKeyFile(path);
    t.equal(a.created, true);
    t.equal(a.key.length, 32);
    t.equal((await stat(path)).mode & 0o777, 0o600);
    t.same(await readFile(path), a.key);
    const b = await loadOrCreateKeyFile(path);
    t.equal(b.created, false);
    t.same(b.key, a.key);
    await chmod(path, 0o644);
    await t.rejects(loadOrCreateKeyFile(path), {
      code: ErrorCodes.PERMISSION_DENIED,
      message: /chmod 600/,
    });
    const hexPath = join(dir, 'hex.key');
    await writeFile(hexPath, 'ab'.repeat(32) + '\n', { mode: 0o600 });
    t.same((await loadOrCreateKeyFile(hexPath)).key, Buffer.alloc(32, 0xab));
    const link = join(dir, 'link.key');
    await symlink(hexPath, link);
    await t.rejects(loadOrCreateKeyFile(link), {
      code: ErrorCodes.PERMISSION_DENIED,
      message: /not a regular file/,
    });
  },
);
