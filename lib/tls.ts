import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { ErrorCodes, PlinthError } from './errors.js';
import { identityFromSan, describeCertPem, type PeerIdentity, type Role } from './cert-identity.js';

/** Paths to the PEM files a daemon or the CLI presents. There is no plaintext mode. */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  identity: PeerIdentity;
}

async function readPem(path: string, what: string, key: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `cannot read the ${what} at ${path} (${code ?? 'error'}): set ${key} to an existing file, or create one with \`plinth pki issue\``,
    );
  }
}

/** Load and check our own certificate: its role must be the one we run as. */
export async function loadTls(
  files: TlsFiles,
  expectRole: Role,
  keyPrefix = 'tls',
): Promise<TlsMaterial> {
  const [ca, cert, key] = await Promise.all([
    readPem(files.ca, 'CA certificate', `${keyPrefix}.ca`),
    readPem(files.cert, 'certificate', `${keyPrefix}.cert`),
    readPem(files.key, 'private key', `${keyPrefix}.key`),
  ]);
  let identity: PeerIdentity | null;
  try {
    identity = describeCertPem(cert.toString('utf8')).identity;
  } catch (e) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `${files.cert} is not a PEM certificate: ${(e as Error).message}`,
    );
  }
  if (!identity || identity.role !== expectRole) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `${files.cert} is not a plinth ${expectRole} certificate (it says ${identity ? identity.role : 'no plinth role'}): issue one with \`plinth pki issue --role ${expectRole} --name NAME\``,
    );
  }
  return { ca, cert, key, identity };
}

export function serverCredentials(m: TlsMaterial): grpc.ServerCredentials {
  // checkClientCertificate=true: a client without a certificate from our CA fails the handshake.
  return grpc.ServerCredentials.createSsl(m.ca, [{ cert_chain: m.cert, private_key: m.key }], true);
}

/** Name sent as SNI when dialling an IP literal (SNI must not carry an IP, RFC 6066). */
export const IP_SNI_PLACEHOLDER = 'plinth-coordinator';

/**
 * Client credentials that also insist the server proves the coordinator role:
 * an agent or admin certificate, even from our own CA, cannot impersonate it.
 * `dialHost` is the host part of the address we dial; its name or IP must be in
 * the certificate, checked here even when SNI carries a placeholder.
 */
export function clientCredentials(m: TlsMaterial, dialHost?: string): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(m.ca, m.key, m.cert, {
    checkServerIdentity(hostname: string, cert: PeerCertificate) {
      const expected = dialHost ?? hostname;
      const err = checkServerIdentity(expected, cert);
      if (err) return err;
      const id = peerIdentity(cert);
      if (!id || id.role !== 'coordinator') {
        return new Error(
          `the server at ${expected} does not hold a plinth coordinator certificate`,
        );
      }
      return undefined;
    },
  });
}

/** Channel credentials and options for dialling a coordinator at HOST:PORT. */
export function dialOptions(
  m: TlsMaterial,
  address: string,
  base: grpc.ChannelOptions,
): { creds: grpc.ChannelCredentials; options: grpc.ChannelOptions } {
  const host = address.startsWith('[')
    ? address.slice(1, address.indexOf(']'))
    : address.replace(/:\d+$/, '');
  const ip = isIP(host) !== 0;
  return {
    creds: clientCredentials(m, host),
    options: ip
      ? {
          ...base,
          'grpc.ssl_target_name_override': IP_SNI_PLACEHOLDER,
          'grpc.default_authority': address,
        }
      : base,
  };
}

export function peerIdentity(cert: PeerCertificate | undefined): PeerIdentity | null {
  if (!cert || !cert.raw) return null;
  const cn = typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined;
  return identityFromSan(cert.subjectaltname, cert.ext_key_usage, cn);
}
