import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { chmod, lstat, open, readFile } from 'node:fs/promises';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';

/**
 * BMC secrets at rest: AES-256-GCM under a 32-byte key file named by the coordinator's
 * config. The host id is bound in as associated data, so a ciphertext copied onto another
 * host's row does not decrypt. Format: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const PREFIX = 'v1';

export function encryptSecret(
  key: Buffer,
  plaintext: string,
  aad: string,
  iv: Buffer = randomBytes(IV_BYTES),
): string {
  assertKey(key);
  if (iv.length !== IV_BYTES)
    throw new PlinthError(ErrorCodes.INTERNAL, 'AES-GCM IV must be 12 bytes');
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return [
    PREFIX,
    iv.toString('base64url'),
    c.getAuthTag().toString('base64url'),
    ct.toString('base64url'),
  ].join('.');
}

export function decryptSecret(key: Buffer, blob: string, aad: string): string {
  assertKey(key);
  const parts = blob.split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      'not an encrypted BMC secret (expected v1.<iv>.<tag>.<data>)',
    );
  }
  const [, ivText, tagText, ctText] = parts as [string, string, string, string];
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== 16)
    throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, 'malformed encrypted BMC secret');
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(Buffer.from(ctText, 'base64url')), d.final()]).toString('utf8');
  } catch {
    // No detail: which of key, host id or data is wrong is not knowable, and nothing secret is echoed.
    throw new PlinthError(
      ErrorCodes.PERMISSION_DENIED,
      'cannot decrypt the BMC secret: wrong key file, wrong host, or tampered data',
    );
  }
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES)
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `BMC secret key must be ${KEY_BYTES} bytes, got ${key.length}`,
    );
}

/** Key file content: 32 raw bytes, or 64 hex digits (an optional trailing newline is fine). */
export function parseKeyMaterial(data: Buffer, path: string): Buffer {
  if (data.length === KEY_BYTES) return Buffer.from(data);
  const text = data.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  throw new PlinthError(
    ErrorCodes.CONFIG,
    `BMC secret key file ${path}: must hold ${KEY_BYTES} raw bytes or 64 hex digits`,
  );
}

/** Pure: why a key file's mode/owner is unacceptable, or null. */
export function keyFileProblem(
  st: { mode: number; uid: number; isFile: boolean },
  myUid: number | undefined,
  path: string,
): string | null {
  if (!st.isFile) return `BMC secret key file ${path} is not a regular file`;
  if ((st.mode & 0o077) !== 0) {
    return `BMC secret key file ${path} is readable or writable by others (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 ${path}`;
  }
  if (myUid !== undefined && st.uid !== myUid)
    return `BMC secret key file ${path} is owned by uid ${st.uid}, not by the coordinator (uid ${myUid})`;
  return null;
}

/**
 * Load the key, creating it (32 random bytes, mode 0600, O_EXCL) when missing. Refuses a
 * key file others can read, a symlink, or one owned by another user.
 */
export async function loadOrCreateKeyFile(
  path: string,
): Promise<{ key: Buffer; created: boolean }> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new PlinthError(
        ErrorCodes.CONFIG,
        `BMC secret key file ${path}: ${(e as Error).message}`,
      );
    const key = randomBytes(KEY_BYTES);
    let fh;
    try {
      fh = await open(
        path,
        fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW,
        0o600,
      );
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateKeyFile(path);
      throw new PlinthError(
        ErrorCodes.CONFIG,
        `cannot create BMC secret key file ${path}: ${(e2 as Error).message}`,
      );
    }
    try {
      await fh.writeFile(key);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(path, 0o600); // whatever the umask did
    return { key, created: true };
  }
  const problem = keyFileProblem(
    { mode: st.mode, uid: st.uid, isFile: st.isFile() },
    process.getuid?.(),
    path,
  );
  if (problem) throw new PlinthError(ErrorCodes.PERMISSION_DENIED, problem);
  return { key: parseKeyMaterial(await readFile(path), path), created: false };
}
