import { isIP } from 'node:net';
import { ErrorCodes, PlinthError, isPlinthError } from '../../../lib/errors.js';
import type { Exec } from '../../host/exec.js';
import { classifyIpmitoolError, type IpmitoolFailure } from './parse-ipmitool.js';

/**
 * Building and running ipmitool, shared by the agent (sensors) and the coordinator
 * (power). The password reaches ipmitool through the IPMI_PASSWORD environment variable
 * (`-E`): never argv, where every local user could read it from /proc.
 */

export const IPMITOOL = 'ipmitool';

export type IpmiTarget =
  | { interface: 'open' }
  | {
      interface: 'lanplus';
      host: string;
      port: number;
      user: string;
      password: string;
      /** -C: 3 (HMAC-SHA1, AES-128) works with nearly every BMC, ipmi_sim included. */
      cipherSuite: number;
      /** -R: retries per request (ipmitool's default of 4 makes a dead BMC take ~10 s). */
      retries?: number;
    };

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPMI_USER = /^[A-Za-z0-9._@-]{1,16}$/;
/** Subcommand words we ever pass: a fixed vocabulary, so nothing else reaches argv. */
const WORD =
  /^(-c|sensor|list|sdr|elist|sel|last|chassis|power|status|on|off|cycle|soft|reset|fru|print|mc|info|[0-9]{1,5})$/;

export function assertBmcHost(host: string): string {
  if (isIP(host) || HOSTNAME.test(host)) return host;
  throw new PlinthError(
    ErrorCodes.INVALID_ARGUMENT,
    `invalid BMC host ${JSON.stringify(host.slice(0, 100))}`,
  );
}

/** HOST[:PORT] or [V6]:PORT → host and port (default 623). */
export function parseIpmiAddress(address: string): { host: string; port: number } {
  const m =
    /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(address) ??
    /^([^:]+)(?::(\d{1,5}))?$/.exec(address);
  const bareV6 = isIP(address) === 6;
  const host = bareV6 ? address : m?.[1];
  const port = bareV6 ? 623 : m?.[2] ? Number(m[2]) : 623;
  if (!host || port < 1 || port > 65535) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `invalid IPMI address ${JSON.stringify(address.slice(0, 100))}: want HOST[:PORT]`,
    );
  }
  return { host: assertBmcHost(host), port };
}

/**
 * `-v` turns `sensor list` and `sel elist` into a different, verbose format, but leaves
 * `chassis power` and `fru print` output alone: only those run with it.
 */
function verboseSafe(command: readonly string[]): boolean {
  return command[0] === 'chassis' || command[0] === 'fru';
}

export function ipmitoolInvocation(
  target: IpmiTarget,
  command: readonly string[],
): { args: string[]; env: NodeJS.ProcessEnv } {
  for (const w of command) {
    if (!WORD.test(w))
      throw new PlinthError(
        ErrorCodes.INVALID_ARGUMENT,
        `refusing ipmitool argument ${JSON.stringify(w.slice(0, 40))}`,
      );
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C',
    LC_ALL: 'C',
  };
  if (target.interface === 'open') return { args: ['-I', 'open', ...command], env };
  assertBmcHost(target.host);
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535)
    throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, `invalid BMC port ${target.port}`);
  if (!IPMI_USER.test(target.user))
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `invalid IPMI user name ${JSON.stringify(target.user.slice(0, 40))}`,
    );
  if (!Number.isInteger(target.cipherSuite) || target.cipherSuite < 0 || target.cipherSuite > 17)
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `invalid IPMI cipher suite ${target.cipherSuite}`,
    );
  const retries = target.retries ?? 2;
  env.IPMI_PASSWORD = target.password;
  return {
    // -v adds the RAKP messages on stderr: it is how a wrong password is told from a dead BMC.
    args: [
      ...(verboseSafe(command) ? ['-v'] : []),
      '-I',
      'lanplus',
      '-C',
      String(target.cipherSuite),
      '-H',
      target.host,
      '-p',
      String(target.port),
      '-U',
      target.user,
      '-E',
      '-N',
      '1',
      '-R',
      String(retries),
      ...command,
    ],
    env,
  };
}

async function probeFailure(
  exec: Exec,
  target: IpmiTarget,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<IpmitoolFailure> {
  const { args, env } = ipmitoolInvocation(target, ['chassis', 'power', 'status']);
  try {
    await exec(IPMITOOL, args, { timeoutMs, signal, env });
    return 'other';
  } catch (e) {
    const stderr =
      isPlinthError(e) && typeof e.details?.stderr === 'string' ? e.details.stderr : '';
    return isPlinthError(e) && e.code === ErrorCodes.TIMEOUT
      ? 'unreachable'
      : classifyIpmitoolError(stderr);
  }
}

function where(target: IpmiTarget): string {
  return target.interface === 'open' ? 'in-band IPMI' : `IPMI ${target.host}:${target.port}`;
}

/** Run one ipmitool command; failures carry BMC_AUTH / BMC_UNAVAILABLE / TIMEOUT codes. */
export async function runIpmitool(
  exec: Exec,
  target: IpmiTarget,
  command: readonly string[],
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<string> {
  const { args, env } = ipmitoolInvocation(target, command);
  try {
    const r = await exec(IPMITOOL, args, { timeoutMs: opts.timeoutMs, signal: opts.signal, env });
    return r.stdout;
  } catch (e) {
    const stderr =
      isPlinthError(e) && typeof e.details?.stderr === 'string' ? e.details.stderr : '';
    const cmd = command.join(' ');
    if (isPlinthError(e) && e.code === ErrorCodes.TIMEOUT) {
      throw new PlinthError(
        ErrorCodes.BMC_UNAVAILABLE,
        `${where(target)}: '${cmd}' got no reply within ${opts.timeoutMs} ms`,
        {
          timeout: true,
        },
      );
    }
    if (isPlinthError(e) && e.code === ErrorCodes.UNAVAILABLE) throw e;
    let kind = classifyIpmitoolError(stderr);
    if (
      kind !== 'auth' &&
      !verboseSafe(command) &&
      /Unable to establish/i.test(stderr) &&
      target.interface === 'lanplus'
    ) {
      // Without -v a wrong password and a dead BMC print the same line: ask once more, verbosely.
      kind = await probeFailure(exec, target, Math.min(opts.timeoutMs, 5000), opts.signal);
    }
    if (kind === 'auth') {
      const user = target.interface === 'lanplus' ? ` for user ${JSON.stringify(target.user)}` : '';
      throw new PlinthError(
        ErrorCodes.BMC_AUTH,
        `${where(target)}: authentication failed${user} (wrong user name or password)`,
      );
    }
    if (kind === 'unreachable') {
      throw new PlinthError(
        ErrorCodes.BMC_UNAVAILABLE,
        `${where(target)}: the BMC does not answer ('${cmd}')`,
      );
    }
    const lastLine = stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(
        (l) =>
          l &&
          !l.startsWith('Loading IANA') &&
          !l.startsWith('Running Get') &&
          !l.startsWith('Discovered'),
      )
      .pop();
    throw new PlinthError(
      ErrorCodes.EXEC_FAILED,
      `${where(target)}: '${cmd}' failed: ${lastLine ?? 'no error text'}`.slice(0, 400),
    );
  }
}
