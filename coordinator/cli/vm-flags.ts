import { isIP } from 'node:net';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import { isValidName } from '../../lib/names.js';
import type { VmDiskSpec, VmFailurePolicy, VmNicSpec, VmSpec } from '../vms/types.js';

/**
 * Pure parsing of `plinth vm create` flags into a VmSpec. Every error names the
 * flag, the value and what would be accepted. The coordinator validates the spec
 * again (it is the authority); this is here so a typo fails before a round trip
 * with a message about the flag the operator actually typed.
 */

function bad(message: string): never {
  throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, message);
}

const UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * "2GiB", "512MiB", "20G", "1.5g" -> bytes. K/M/G/T and KiB/MiB/GiB/TiB are all
 * powers of 1024 (as qemu-img and libvirt read them). KB/MB/GB/TB are refused:
 * half the world reads them as powers of 1000, and guessing wrong by 7 % in a
 * memory size is worse than asking. A bare number is in `bareUnit`.
 */
export function parseSize(text: string, what: string, bareUnit: 'MiB' | 'GiB'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  if (!m) bad(`${what} ${JSON.stringify(text)} is not a size: write e.g. 2GiB, 512MiB or 20G`);
  const n = Number(m[1]);
  const unit = (m[2] || bareUnit).toLowerCase();
  if (/^[kmgt]b$/.test(unit))
    bad(
      `${what} ${JSON.stringify(text)}: ${m[2]} is ambiguous (powers of 1000 or 1024?); write ${m[1]}${m[2]![0]!.toUpperCase()}iB or ${m[1]}${m[2]![0]!.toUpperCase()} (both powers of 1024)`,
    );
  const mult = UNITS[unit];
  if (mult === undefined)
    bad(
      `${what} ${JSON.stringify(text)}: unknown unit ${JSON.stringify(m[2])}; use B, KiB, MiB, GiB or TiB (or K, M, G, T)`,
    );
  const bytes = n * mult;
  if (!Number.isFinite(bytes) || bytes <= 0)
    bad(`${what} ${JSON.stringify(text)} must be more than zero`);
  return bytes;
}

export function memoryMiB(text: string): number {
  const bytes = parseSize(text, '--memory', 'MiB');
  const mib = bytes / 1024 ** 2;
  if (!Number.isInteger(mib))
    bad(`--memory ${JSON.stringify(text)} is not a whole number of MiB (${mib.toFixed(3)} MiB)`);
  return mib;
}

/** "10m", "90s", "1h30m", "500ms"; a bare number is seconds. */
export function parseDuration(text: string, what: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of t.matchAll(re)) {
    if (m.index !== consumed) break;
    consumed += m[0].length;
    total +=
      Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  }
  if (consumed !== t.length || t.length === 0)
    bad(`${what} ${JSON.stringify(text)} is not a duration: write e.g. 90s, 10m or 1h30m`);
  if (total <= 0) bad(`${what} ${JSON.stringify(text)} must be more than zero`);
  return Math.round(total);
}

export function positiveInt(text: string, what: string, max: number): number {
  if (!/^\d+$/.test(text.trim())) bad(`${what} ${JSON.stringify(text)} is not a whole number`);
  const n = Number(text);
  if (n < 1 || n > max) bad(`${what} ${n} is out of range: 1 to ${max}`);
  return n;
}

/** "a=1,b,c=x" -> [['a','1'],['b',''],['c','x']], keys lowercased. */
function fields(text: string, what: string): [string, string][] {
  if (!text.trim()) bad(`${what} is empty`);
  return text.split(',').map((part) => {
    const i = part.indexOf('=');
    const k = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    if (!k) bad(`${what} ${JSON.stringify(text)}: an empty field before or after a comma`);
    return [k, i < 0 ? '' : part.slice(i + 1).trim()];
  });
}

function bool(v: string, what: string): boolean {
  if (v === '' || v === 'true' || v === 'yes') return true;
  if (v === 'false' || v === 'no') return false;
  bad(`${what}: ${JSON.stringify(v)} is not true or false`);
}

/** `--disk size=20GiB[,pool=local|CEPHPOOL][,shared][,name=NAME]`, or just `--disk 20GiB`. */
export function parseDisk(text: string, index: number): VmDiskSpec {
  const what = `--disk ${JSON.stringify(text)}`;
  const f = fields(text, '--disk');
  if (f.length === 1 && f[0]![1] === '' && /^\d/.test(f[0]![0])) f[0] = ['size', f[0]![0]];
  let size: string | undefined;
  let pool = 'local';
  let shared: boolean | undefined;
  let name = `disk${index}`;
  for (const [k, v] of f) {
    if (k === 'size') size = v;
    else if (k === 'pool') pool = v;
    else if (k === 'shared') shared = bool(v, `${what} shared`);
    else if (k === 'name') name = v;
    else bad(`${what}: unknown field ${JSON.stringify(k)}; fields are size, pool, shared, name`);
  }
  if (!size) bad(`${what}: size is missing, e.g. --disk size=20GiB`);
  if (!isValidName('objectName', pool))
    bad(`${what}: pool ${JSON.stringify(pool)} is not a valid pool name (letters, digits, . _ -)`);
  if (!isValidName('objectName', name))
    bad(`${what}: name ${JSON.stringify(name)} is not valid (letters, digits, . _ -)`);
  const gib = parseSize(size, `${what} size`, 'GiB') / 1024 ** 3;
  if (!Number.isInteger(gib))
    bad(`${what}: size ${size} is not a whole number of GiB (disks are sized in GiB)`);
  // A Ceph pool is reachable from every host: shared unless the operator says otherwise.
  return { name, sizeGiB: gib, pool, shared: shared ?? pool !== 'local' };
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** One host address: "198.19.100.5", "198.19.100.5/32", "2001:db8::5/128". */
export function parseAnnounce(text: string, what: string): string {
  const [addr, prefix, ...rest] = text.split('/');
  const family = isIP(addr ?? '');
  if (!family || rest.length > 0)
    bad(`${what}: announce ${JSON.stringify(text)} is not an IP address (e.g. 198.19.100.5/32)`);
  const full = family === 4 ? '32' : '128';
  if (prefix !== undefined && prefix !== full)
    bad(
      `${what}: announce ${JSON.stringify(text)} is a range; a VM announces one address (/${full})`,
    );
  return `${addr}/${full}`;
}

/** `--nic network=NET[,mac=..][,announce=IP/32]`, or just `--nic NET`. */
export function parseNic(text: string): VmNicSpec {
  const what = `--nic ${JSON.stringify(text)}`;
  const f = fields(text, '--nic');
  if (f.length === 1 && f[0]![1] === '') f[0] = ['network', text.trim()];
  const nic: VmNicSpec = { network: '' };
  for (const [k, v] of f) {
    if (k === 'network') nic.network = v;
    else if (k === 'mac') {
      if (!MAC.test(v)) bad(`${what}: mac ${JSON.stringify(v)} is not like 52:54:00:12:34:56`);
      nic.mac = v.toLowerCase();
    } else if (k === 'announce') nic.announce = parseAnnounce(v, what);
    else bad(`${what}: unknown field ${JSON.stringify(k)}; fields are network, mac, announce`);
  }
  if (!nic.network) bad(`${what}: network is missing, e.g. --nic network=prod`);
  if (!isValidName('objectName', nic.network))
    bad(`${what}: network ${JSON.stringify(nic.network)} is not a valid network name`);
  return nic;
}

/** Repeated `--label k=v` into a map; later wins, duplicates are refused. */
export function parseKv(pairs: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) bad(`${flag} ${JSON.stringify(p)} is not key=value`);
    const k = p.slice(0, i);
    const v = p.slice(i + 1);
    if (!isValidName('labelKey', k))
      bad(
        `${flag} ${JSON.stringify(p)}: key ${JSON.stringify(k)} must be lowercase letters, digits, . _ / -`,
      );
    if (!isValidName('labelValue', v))
      bad(
        `${flag} ${JSON.stringify(p)}: value ${JSON.stringify(v)} must be letters, digits, . _ : - (at most 63)`,
      );
    if (k in out) bad(`${flag} ${k} is given twice`);
    out[k] = v;
  }
  return out;
}

export interface CreateFlags {
  vcpus?: string;
  memory?: string;
  disk: string[];
  nic: string[];
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  label: string[];
  require: string[];
  cpuFeature: string[];
  group?: string;
  policy?: string;
  scope?: string;
  soft?: boolean;
  onHostFailure?: string;
  domainType?: string;
}

const POLICIES = ['affinity', 'anti-affinity'] as const;
const SCOPES = ['host', 'rack'] as const;
const FAILURE: readonly VmFailurePolicy[] = ['keep', 'restart-after-fence', 'replace'];
const DOMAIN_TYPES = ['kvm', 'qemu'];
export const MAX_VCPUS = 1024;

export function vmNameArg(name: string | undefined): string {
  if (!name) bad('the VM name is missing: plinth vm create NAME --vcpus 2 --memory 2GiB ...');
  if (!isValidName('objectName', name))
    bad(
      `VM name ${JSON.stringify(name)} is not valid: start with a letter or digit, then letters, digits, . _ - (at most 63)`,
    );
  return name;
}

/** The flags of `vm create` / `plan vm create` as a spec. */
export function specFromFlags(name: string | undefined, f: CreateFlags): VmSpec {
  const vmName = vmNameArg(name);
  if (f.vcpus === undefined) bad('--vcpus is missing: how many virtual CPUs, e.g. --vcpus 2');
  if (f.memory === undefined) bad('--memory is missing: how much memory, e.g. --memory 2GiB');
  const spec: VmSpec = {
    name: vmName,
    vcpus: positiveInt(f.vcpus, '--vcpus', MAX_VCPUS),
    memoryMiB: memoryMiB(f.memory),
    disks: f.disk.map((d, i) => parseDisk(d, i)),
    nics: f.nic.map(parseNic),
    labels: parseKv(f.label, '--label'),
    requiredLabels: parseKv(f.require, '--require'),
    onHostFailure: 'keep',
  };
  const names = new Set<string>();
  for (const d of spec.disks) {
    if (names.has(d.name)) bad(`two disks are named ${d.name}: give each --disk its own name=`);
    names.add(d.name);
  }
  if (f.kernel) {
    spec.boot = { kernel: f.kernel };
    if (f.initrd) spec.boot.initrd = f.initrd;
    if (f.cmdline !== undefined) spec.boot.cmdline = f.cmdline;
  } else if (f.initrd || f.cmdline !== undefined) {
    bad('--initrd and --cmdline go with --kernel (direct kernel boot)');
  }
  if (!spec.boot && spec.disks.length === 0)
    bad('nothing to boot: give a --disk (the first disk boots) or --kernel PATH');
  if (f.domainType !== undefined) {
    if (!DOMAIN_TYPES.includes(f.domainType))
      bad(
        `--domain-type ${JSON.stringify(f.domainType)}: kvm or qemu (emulation, no hardware virtualisation)`,
      );
    spec.domainType = f.domainType;
  }
  if (f.cpuFeature.length) {
    for (const c of f.cpuFeature)
      if (!/^[a-z0-9_.-]{1,32}$/.test(c))
        bad(`--cpu-feature ${JSON.stringify(c)} is not a CPU flag name like vmx or avx2`);
    spec.cpuFeatures = [...new Set(f.cpuFeature)];
  }
  if (f.onHostFailure !== undefined) {
    if (!FAILURE.includes(f.onHostFailure as VmFailurePolicy))
      bad(`--on-host-failure ${JSON.stringify(f.onHostFailure)}: ${FAILURE.join(', ')}`);
    spec.onHostFailure = f.onHostFailure as VmFailurePolicy;
  }
  if (f.group !== undefined) {
    if (!isValidName('objectName', f.group))
      bad(`--group ${JSON.stringify(f.group)} is not a valid group name (letters, digits, . _ -)`);
    const policy = f.policy ?? 'anti-affinity';
    const scope = f.scope ?? 'host';
    if (!(POLICIES as readonly string[]).includes(policy))
      bad(`--policy ${JSON.stringify(policy)}: anti-affinity or affinity`);
    if (!(SCOPES as readonly string[]).includes(scope))
      bad(`--scope ${JSON.stringify(scope)}: host or rack`);
    spec.group = {
      name: f.group,
      policy: policy as (typeof POLICIES)[number],
      scope: scope as (typeof SCOPES)[number],
      hard: !f.soft,
    };
  } else if (f.policy !== undefined || f.scope !== undefined || f.soft) {
    bad('--policy, --scope and --soft describe a placement group: add --group NAME');
  }
  return spec;
}

/** `--spec FILE.json`: any spec flag besides it would be silently ignored, so it is refused. */
export function specFromJson(text: string, file: string, name: string | undefined): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    bad(`--spec ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) bad(`--spec ${file} is not a JSON object`);
  const o = v as Record<string, unknown>;
  if (name !== undefined) {
    if (o.name !== undefined && o.name !== name)
      bad(
        `the name ${JSON.stringify(name)} differs from the spec's ${JSON.stringify(o.name)} in ${file}`,
      );
    return { ...o, name: vmNameArg(name) };
  }
  if (typeof o.name !== 'string') bad(`--spec ${file} has no "name": add one, or give NAME`);
  return o;
}

/** Flags that describe the spec: with --spec, these must be absent. */
export function specFlagsGiven(f: CreateFlags): string[] {
  const given: string[] = [];
  const single: [keyof CreateFlags, string][] = [
    ['vcpus', '--vcpus'],
    ['memory', '--memory'],
    ['kernel', '--kernel'],
    ['initrd', '--initrd'],
    ['cmdline', '--cmdline'],
    ['group', '--group'],
    ['policy', '--policy'],
    ['scope', '--scope'],
    ['soft', '--soft'],
    ['onHostFailure', '--on-host-failure'],
    ['domainType', '--domain-type'],
  ];
  for (const [k, flag] of single) if (f[k] !== undefined && f[k] !== false) given.push(flag);
  const multi: [keyof CreateFlags, string][] = [
    ['disk', '--disk'],
    ['nic', '--nic'],
    ['label', '--label'],
    ['require', '--require'],
    ['cpuFeature', '--cpu-feature'],
  ];
  for (const [k, flag] of multi) if ((f[k] as string[]).length) given.push(flag);
  return given;
}
