import type { Exec } from '../../agent/host/exec.js';
import { runIpmitool, type IpmiTarget } from '../../agent/drivers/bmc/ipmitool.js';
import { parsePowerStatus } from '../../agent/drivers/bmc/parse-ipmitool.js';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { BmcPowerClient, BmcTarget } from './types.js';

/**
 * IPMI power over `ipmitool -I lanplus` (argv only; the password through IPMI_PASSWORD
 * with -E, so neither argv nor the logs ever hold it).
 */
export function createIpmiPowerClient(
  t: Extract<BmcTarget, { protocol: 'ipmi' }>,
  deps: { exec: Exec; timeoutMs: number; retries?: number },
): BmcPowerClient {
  const target: IpmiTarget = {
    interface: 'lanplus',
    host: t.host,
    port: t.port ?? 623,
    user: t.user,
    password: t.password,
    cipherSuite: t.cipherSuite ?? 3,
    retries: deps.retries ?? 2,
  };
  const run = (cmd: string[], signal?: AbortSignal) =>
    runIpmitool(deps.exec, target, cmd, { timeoutMs: deps.timeoutMs, signal });
  const expectControl = (out: string, cmd: string) => {
    if (!/Chassis Power Control:/i.test(out)) {
      throw new PlinthError(
        ErrorCodes.PARSE,
        `ipmi ${t.host}: unexpected reply to 'chassis power ${cmd}': ${JSON.stringify(out.trim().slice(0, 80))}`,
      );
    }
  };
  const status = async (signal?: AbortSignal) =>
    parsePowerStatus(await run(['chassis', 'power', 'status'], signal));
  return {
    describe: `ipmi ${target.host}:${target.port} as ${target.user}`,
    powerStatus: status,
    async powerOn(signal) {
      expectControl(await run(['chassis', 'power', 'on'], signal), 'on');
      return { alreadyInState: false };
    },
    async powerOff(signal) {
      // IPMI acknowledges an off for a host that is already off without saying so;
      // fence() reads the state first and after, which is what proves it.
      expectControl(await run(['chassis', 'power', 'off'], signal), 'off');
      return { alreadyInState: false };
    },
    async powerCycle(signal) {
      // Many BMCs refuse `cycle` on a host that is off: power it on instead.
      if ((await status(signal)) === 'off') {
        expectControl(await run(['chassis', 'power', 'on'], signal), 'on');
        return { alreadyInState: false };
      }
      expectControl(await run(['chassis', 'power', 'cycle'], signal), 'cycle');
      return { alreadyInState: false };
    },
    async close() {},
  };
}
