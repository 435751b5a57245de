import t from 'tap';
import type { Exec } from '../../../agent/host/exec.js';
import {
  ipmitoolInvocation,
  parseIpmiAddress,
  runIpmitool,
  type IpmiTarget,
} from '../../../agent/drivers/bmc/ipmitool.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';

const lan: IpmiTarget = {
  interface: 'lanplus',
  host: '127.0.0.1',
  port: 19600,
  user: 'admin',
  password: 's3cret; rm -rf /',
  cipherSuite: 3,
};

t.test('the password goes through the environment, never argv', async (t) => {
  const { args, env } = ipmitoolInvocation(lan, ['chassis', 'power', 'status']);
  t.same(args, [
    '-v',
    '-I',
    'lanplus',
    '-C',
    '3',
    '-H',
    '127.0.0.1',
    '-p',
    '19600',
    '-U',
    'admin',
    '-E',
    '-N',
    '1',
    '-R',
    '2',
    'chassis',
    'power',
    'status',
  ]);
  t.notOk(args.join(' ').includes('s3cret'));
  t.equal(env.IPMI_PASSWORD, lan.password);
  t.notOk(args.includes('-P'));
  t.same(
    ipmitoolInvocation(lan, ['-c', 'sensor', 'list']).args.slice(0, 2),
    ['-I', 'lanplus'],
    'no -v where it changes the output',
  );
  t.same(ipmitoolInvocation({ interface: 'open' }, ['-c', 'sensor', 'list']).args, [
    '-I',
    'open',
    '-c',
    'sensor',
    'list',
  ]);
  t.equal(ipmitoolInvocation({ interface: 'open' }, ['sel', 'elist']).env.IPMI_PASSWORD, undefined);
});

t.test('names with metacharacters never reach the command line', async (t) => {
  const bad: [string, IpmiTarget, string[]][] = [
    ['host with ;', { ...lan, host: '127.0.0.1;reboot' }, ['chassis', 'power', 'status']],
    ['host with space', { ...lan, host: 'a b' }, ['chassis', 'power', 'status']],
    ['host starting with -', { ...lan, host: '-oProxyCommand' }, ['chassis', 'power', 'status']],
    ['user with $()', { ...lan, user: '$(id)' }, ['chassis', 'power', 'status']],
    ['user too long', { ...lan, user: 'a'.repeat(17) }, ['chassis', 'power', 'status']],
    ['port', { ...lan, port: 70000 }, ['chassis', 'power', 'status']],
    ['cipher suite', { ...lan, cipherSuite: 99 }, ['chassis', 'power', 'status']],
    ['sensor name in a command', lan, ['sensor', 'get', 'CPU Temp; reboot']],
    ['vtysh-style word', lan, ['sensor', 'list', '|', 'sh']],
    ['option injection', lan, ['-P', 'x']],
  ];
  for (const [what, target, cmd] of bad)
    t.throws(() => ipmitoolInvocation(target, cmd), { code: ErrorCodes.INVALID_ARGUMENT }, what);
});

t.test('addresses', async (t) => {
  t.same(parseIpmiAddress('10.1.2.3'), { host: '10.1.2.3', port: 623 });
  t.same(parseIpmiAddress('bmc-7.example.net:6230'), { host: 'bmc-7.example.net', port: 6230 });
  t.same(parseIpmiAddress('[fd00::1]:624'), { host: 'fd00::1', port: 624 });
  t.same(parseIpmiAddress('fd00::1'), { host: 'fd00::1', port: 623 });
  for (const bad of ['', 'a;b', 'host:99999', 'host:', 'https://x'])
    t.throws(() => parseIpmiAddress(bad), { code: ErrorCodes.INVALID_ARGUMENT }, bad);
});

function failingExec(
  stderr: string,
  code: string = ErrorCodes.EXEC_FAILED,
  calls: string[][] = [],
): Exec {
  return async (_file, args) => {
    calls.push([...args]);
    throw new PlinthError(
      code as typeof ErrorCodes.EXEC_FAILED,
      `ipmitool exited with 1: ${stderr}`,
      { stderr },
    );
  };
}

t.test('failures map to stable codes, with no secret in the message', async (t) => {
  const auth = await runIpmitool(
    failingExec('> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n'),
    lan,
    ['chassis', 'power', 'status'],
    { timeoutMs: 1000 },
  ).catch((e: PlinthError) => e);
  t.match(auth, { code: ErrorCodes.BMC_AUTH, message: /authentication failed for user "admin"/ });
  t.notOk(String((auth as Error).message).includes('s3cret'));
  const dead = await runIpmitool(
    failingExec(
      'Get Auth Capabilities error\nError: Unable to establish IPMI v2 / RMCP+ session\n',
    ),
    lan,
    ['chassis', 'power', 'status'],
    { timeoutMs: 1000 },
  ).catch((e: PlinthError) => e);
  t.match(dead, { code: ErrorCodes.BMC_UNAVAILABLE });
  const timeout = await runIpmitool(
    failingExec('', ErrorCodes.TIMEOUT),
    lan,
    ['chassis', 'power', 'status'],
    { timeoutMs: 1000 },
  ).catch((e: PlinthError) => e);
  t.match(timeout, { code: ErrorCodes.BMC_UNAVAILABLE, message: /no reply within 1000 ms/ });
  // Without -v the first failure is ambiguous: one verbose probe tells them apart.
  const calls: string[][] = [];
  let n = 0;
  const exec: Exec = async (_f, args) => {
    calls.push([...args]);
    const stderr =
      n++ === 0
        ? 'Error: Unable to establish IPMI v2 / RMCP+ session\n'
        : '> RAKP 2 HMAC is invalid\n';
    throw new PlinthError(ErrorCodes.EXEC_FAILED, 'failed', { stderr });
  };
  const probed = await runIpmitool(exec, lan, ['-c', 'sensor', 'list'], { timeoutMs: 1000 }).catch(
    (e: PlinthError) => e,
  );
  t.match(probed, { code: ErrorCodes.BMC_AUTH });
  t.equal(calls.length, 2);
  t.ok(calls[1]!.includes('-v'));
});
