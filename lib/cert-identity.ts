import { X509Certificate as NodeX509 } from 'node:crypto';

/**
 * What a plinth certificate proves, read with node's own X509Certificate: the daemons
 * need only this at run time, so they never load @peculiar/x509 (lib/pki.ts, for
 * issuing), which with tsyringe and its ASN.1 schemas costs ~5 MiB of RSS.
 */
export type Role = 'coordinator' | 'agent' | 'admin';
export const ROLES: readonly Role[] = ['coordinator', 'agent', 'admin'];

export const EKU_SERVER = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT = '1.3.6.1.5.5.7.3.2';
export const ROLE_URI_PREFIX = 'urn:plinth:role:';
export const HOST_URI_PREFIX = 'urn:plinth:host:';

export interface PeerIdentity {
  role: Role;
  /** Host id for agents, CN otherwise. */
  name: string;
}

/**
 * Derive the role (and host id) a peer proved with its certificate. The chain was
 * already verified by TLS against our CA; here we read the SAN URIs and EKU.
 */
export function identityFromSan(
  subjectAltName: string | undefined,
  extKeyUsage: string[] | undefined,
  cn: string | undefined,
): PeerIdentity | null {
  const uris = (subjectAltName ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
  const roles = uris
    .filter((u) => u.startsWith(ROLE_URI_PREFIX))
    .map((u) => u.slice(ROLE_URI_PREFIX.length));
  if (roles.length !== 1) return null;
  const role = roles[0] as Role;
  if (!ROLES.includes(role)) return null;
  const eku = extKeyUsage ?? [];
  if (role === 'coordinator' ? !eku.includes(EKU_SERVER) : !eku.includes(EKU_CLIENT)) return null;
  if (role === 'agent') {
    const hosts = uris
      .filter((u) => u.startsWith(HOST_URI_PREFIX))
      .map((u) => u.slice(HOST_URI_PREFIX.length));
    if (hosts.length !== 1) return null;
    return { role, name: hosts[0]! };
  }
  return { role, name: cn ?? '' };
}

/** Read a PEM certificate file and say what it is (for `plinth pki show` and checks). */
export function describeCertPem(pemText: string): {
  subject: string;
  notAfter: string;
  identity: PeerIdentity | null;
} {
  const c = new NodeX509(pemText);
  const eku = c.keyUsage ?? [];
  const cn = /CN=([^\n,]+)/.exec(c.subject)?.[1];
  return {
    subject: c.subject.replace(/\n/g, ', '),
    notAfter: c.validTo,
    identity: identityFromSan(c.subjectAltName, eku, cn),
  };
}
