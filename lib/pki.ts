import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe, which needs it
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile, access, chmod, chown, rename } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { ErrorCodes, PlinthError } from './errors.js';
import { assertName } from './names.js';
import {
  EKU_CLIENT,
  EKU_SERVER,
  HOST_URI_PREFIX,
  ROLE_URI_PREFIX,
  ROLES,
  type Role,
} from './cert-identity.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/**
 * plinth's PKI. Roles live in the certificate, so they are checked on every
 * connection by what the peer proved, not by what it says:
 *  - coordinator: serverAuth EKU + URI SAN urn:plinth:role:coordinator (+ DNS/IP SANs)
 *  - agent:       clientAuth EKU only + urn:plinth:role:agent + urn:plinth:host:<id>
 *  - admin:       clientAuth EKU only + urn:plinth:role:admin
 * An agent certificate cannot serve as a coordinator: it lacks serverAuth and the
 * coordinator URI, and both are checked by the agent when it dials.
 */
export {
  describeCertPem,
  HOST_URI_PREFIX,
  identityFromSan,
  ROLE_URI_PREFIX,
  ROLES,
  type PeerIdentity,
  type Role,
} from './cert-identity.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface PkiPaths {
  dir: string;
  caCert: string;
  caKey: string;
}

export function pkiPaths(dir: string): PkiPaths {
  return { dir, caCert: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key') };
}

/** Validate a certificate name for its role: it becomes a file name and a subject. */
function certName(role: Role, name: string): string {
  return role === 'agent'
    ? assertName('hostId', name, 'host id')
    : assertName('objectName', name, 'name');
}

const DNS_NAME =
  /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function certPaths(dir: string, role: Role, name: string): { cert: string; key: string } {
  certName(role, name);
  const base =
    role === 'agent' ? `agent-${name}` : role === 'admin' ? `admin-${name}` : `coordinator-${name}`;
  return { cert: join(dir, `${base}.crt`), key: join(dir, `${base}.key`) };
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trim()}\n-----END ${label}-----\n`;
}

async function exportKey(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
}

async function importKey(pemText: string): Promise<CryptoKey> {
  const der = Buffer.from(pemText.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return (await webcrypto.subtle.importKey('pkcs8', der, ALG, false, [
    'sign',
  ])) as unknown as CryptoKey;
}

function serial(): string {
  // Positive 16-byte serial (high bit clear).
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0]! & 0x7f;
  return Buffer.from(b).toString('hex');
}

export interface CaMaterial {
  cert: x509.X509Certificate;
  key: CryptoKey;
  certPem: string;
}

/** Create a CA in `dir` unless one exists. Returns whether it was created. */
export async function initCa(
  dir: string,
  opts: { commonName?: string; days?: number } = {},
): Promise<boolean> {
  const p = pkiPaths(dir);
  if ((await exists(p.caCert)) || (await exists(p.caKey))) return false;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys = (await webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as unknown as CryptoKeyPair;
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${opts.commonName ?? 'plinth CA'}, O=plinth`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + (opts.days ?? 3650) * 86_400_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  await writeFile(p.caKey, await exportKey(keys.privateKey), { mode: 0o600 });
  await writeFile(p.caCert, cert.toString('pem') + '\n', { mode: 0o644 });
  return true;
}

export async function loadCa(dir: string): Promise<CaMaterial> {
  const p = pkiPaths(dir);
  let certPem: string, keyPem: string;
  try {
    [certPem, keyPem] = await Promise.all([readFile(p.caCert, 'utf8'), readFile(p.caKey, 'utf8')]);
  } catch {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `no CA in ${dir}: run \`plinth pki init --dir ${dir}\` first`,
    );
  }
  return { cert: new x509.X509Certificate(certPem), key: await importKey(keyPem), certPem };
}

export interface IssueOptions {
  role: Role;
  /** Host id for agents; a free name for coordinator/admin. */
  name: string;
  /** Extra DNS names / IPs for a coordinator. */
  dnsNames?: string[];
  ips?: string[];
  days?: number;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

/** Issue a leaf certificate in memory (also used by benchmarks that need many agents). */
export async function issueCert(ca: CaMaterial, opts: IssueOptions): Promise<IssuedCert> {
  if (!ROLES.includes(opts.role)) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `unknown role ${JSON.stringify(opts.role)}: use coordinator, agent or admin`,
    );
  }
  const name = certName(opts.role, opts.name);
  for (const d of opts.dnsNames ?? []) {
    if (!DNS_NAME.test(d))
      throw new PlinthError(
        ErrorCodes.INVALID_ARGUMENT,
        `invalid DNS name ${JSON.stringify(d)} for the certificate`,
      );
  }
  for (const ip of opts.ips ?? []) {
    if (isIP(ip) === 0)
      throw new PlinthError(
        ErrorCodes.INVALID_ARGUMENT,
        `invalid IP address ${JSON.stringify(ip)} for the certificate`,
      );
  }
  const keys = (await webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as unknown as CryptoKeyPair;
  const sans: x509.JsonGeneralName[] = [{ type: 'url', value: `${ROLE_URI_PREFIX}${opts.role}` }];
  if (opts.role === 'agent') sans.push({ type: 'url', value: `${HOST_URI_PREFIX}${name}` });
  if (opts.role === 'coordinator') {
    for (const d of ['localhost', ...(opts.dnsNames ?? [])]) sans.push({ type: 'dns', value: d });
    for (const ip of ['127.0.0.1', '::1', ...(opts.ips ?? [])])
      sans.push({ type: 'ip', value: ip });
  }
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${name}, OU=${opts.role}, O=plinth`,
    issuer: ca.cert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + (opts.days ?? 825) * 86_400_000),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.ExtendedKeyUsageExtension(
        [opts.role === 'coordinator' ? EKU_SERVER : EKU_CLIENT],
        false,
      ),
      new x509.SubjectAlternativeNameExtension(sans, false),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
    ],
  });
  return {
    certPem: cert.toString('pem') + '\n' + ca.certPem,
    keyPem: await exportKey(keys.privateKey),
  };
}

/** Issue and write `<role>-<name>.crt/.key` into the PKI dir. Refuses to overwrite unless `force`. */
export async function issueToDir(
  dir: string,
  opts: IssueOptions & {
    force?: boolean;
    /** Write OUT.crt/OUT.key (a path, or a bare name inside `dir`) instead of ROLE-NAME.crt/.key. */
    out?: string;
    /** Make the key readable by this group (0640), e.g. the coordinator's `plinth` group. */
    group?: string;
  },
): Promise<{ cert: string; key: string; created: boolean }> {
  if (!ROLES.includes(opts.role)) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `unknown role ${JSON.stringify(opts.role)}: use coordinator, agent or admin`,
    );
  }
  let paths = certPaths(dir, opts.role, opts.name);
  if (opts.out) {
    const base = opts.out.includes('/')
      ? opts.out
      : join(dir, assertName('objectName', opts.out, '--out name'));
    paths = { cert: `${base}.crt`, key: `${base}.key` };
  }
  if (!opts.force && (await exists(paths.cert)) && (await exists(paths.key)))
    return { ...paths, created: false };
  const ca = await loadCa(dir);
  const issued = await issueCert(ca, opts);
  // A new key is born 0600 in a fresh file and renamed into place: never written
  // through an older, possibly more open, file.
  const tmpKey = `${paths.key}.tmp-${process.pid}`;
  await writeFile(tmpKey, issued.keyPem, { mode: 0o600, flag: 'wx' });
  await chmod(tmpKey, 0o600);
  if (opts.group) {
    const gid = groupId(opts.group);
    await chown(tmpKey, process.getuid?.() ?? 0, gid);
    await chmod(tmpKey, 0o640);
  }
  await rename(tmpKey, paths.key);
  await writeFile(paths.cert, issued.certPem, { mode: 0o644 });
  return { ...paths, created: true };
}

/** gid of a group from /etc/group; a clear error when it does not exist. */
function groupId(name: string): number {
  assertName('objectName', name, 'group');
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[0] === name);
  if (!line)
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `no group ${JSON.stringify(name)} on this machine (the plinth package creates "plinth")`,
    );
  return Number(line.split(':')[2]);
}
