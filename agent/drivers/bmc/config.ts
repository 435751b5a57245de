import type { Schema } from '../../../lib/config-schema.js';

export type BmcSourceKind = 'auto' | 'ipmi-open' | 'ipmi-lan' | 'redfish' | 'none';

export interface BmcConfig {
  source: BmcSourceKind;
  /** ipmi-lan: HOST[:PORT]; redfish: https://HOST[:PORT]. */
  address?: string;
  user?: string;
  /** File holding the BMC password (read once at start, never logged). */
  passwordFile?: string;
  /** Redfish: PEM file of the CA that signed the BMC's certificate. */
  caFile?: string;
  /** Redfish: SHA-256 fingerprint of the BMC's certificate (hex, colons optional). */
  pinnedSha256?: string;
  /** Redfish: accept any certificate. Logged as a warning at every start. */
  insecureSkipVerify: boolean;
  /** ipmitool -C: cipher suite for lanplus (3 = HMAC-SHA1/AES-128, the widest supported). */
  cipherSuite: number;
  /** Deadline for one BMC call (one ipmitool run, one Redfish request). */
  timeoutMs: number;
  /** In-band device: when it exists, `auto` uses `ipmitool -I open`. */
  ipmiDevice: string;
  /** How often FRU facts are read again (they do not change while the host runs). */
  fruRefreshSeconds: number;
  /** At most this many SEL entries are read per pass (the newest). */
  selMaxEntries: number;
}

export const BMC_DEFAULTS: Omit<
  BmcConfig,
  'address' | 'user' | 'passwordFile' | 'caFile' | 'pinnedSha256'
> = {
  source: 'auto',
  insecureSkipVerify: false,
  cipherSuite: 3,
  timeoutMs: 10_000,
  ipmiDevice: '/dev/ipmi0',
  fruRefreshSeconds: 3600,
  selMaxEntries: 200,
};

export const bmcConfigSchema: Schema = {
  source: {
    type: 'string',
    doc: 'Where sensors come from: auto (in-band /dev/ipmi0, else address), ipmi-open, ipmi-lan, redfish, none',
    enum: ['auto', 'ipmi-open', 'ipmi-lan', 'redfish', 'none'],
    default: BMC_DEFAULTS.source,
  },
  address: {
    type: 'string',
    doc: 'BMC address: HOST[:PORT] for ipmi-lan, https://HOST[:PORT] for redfish',
    pattern: /^(https:\/\/)?[A-Za-z0-9.:[\]-]{1,253}$/,
    optional: true,
  },
  user: {
    type: 'string',
    doc: 'BMC user name',
    pattern: /^[A-Za-z0-9._@-]{1,32}$/,
    optional: true,
  },
  passwordFile: {
    type: 'string',
    doc: 'File holding the BMC password (mode 0600; read at start)',
    optional: true,
  },
  caFile: {
    type: 'string',
    doc: "PEM file of the CA that signed the Redfish BMC's certificate",
    optional: true,
  },
  pinnedSha256: {
    type: 'string',
    doc: "SHA-256 fingerprint of the Redfish BMC's certificate",
    pattern: /^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/,
    optional: true,
  },
  insecureSkipVerify: {
    type: 'boolean',
    doc: 'Redfish: accept any certificate (insecure; logged as a warning at every start)',
    default: false,
  },
  cipherSuite: {
    type: 'number',
    doc: 'ipmitool -C cipher suite for lanplus',
    default: 3,
    min: 0,
    max: 17,
    integer: true,
  },
  timeoutMs: {
    type: 'number',
    doc: 'Deadline for one BMC call',
    default: 10_000,
    min: 500,
    max: 120_000,
    integer: true,
  },
  ipmiDevice: {
    type: 'string',
    doc: 'In-band IPMI device used by source auto/ipmi-open',
    default: '/dev/ipmi0',
  },
  fruRefreshSeconds: {
    type: 'number',
    doc: 'How often FRU facts are read again',
    default: 3600,
    min: 60,
    integer: true,
  },
  selMaxEntries: {
    type: 'number',
    doc: 'Newest SEL entries read per pass',
    default: 200,
    min: 1,
    max: 5000,
    integer: true,
  },
};
