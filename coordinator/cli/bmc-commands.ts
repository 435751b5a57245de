import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { CliTarget } from './admin-client.js';
import { call } from './admin-client.js';
import { printJson, when } from './format.js';
import type { AdminClient } from '../../proto/gen/plinth/v1/Admin.js';

type Connect = (cmd: Command) => Promise<{ client: AdminClient; target: CliTarget }>;

async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  } catch (e) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      'refusing to fence without confirmation: stdin is not a terminal; pass --yes',
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^(y|yes)$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** BMC access, power and fencing. Passwords come from files, never from argv. */
export function registerBmcCommands(
  program: Command,
  host: Command,
  connect: Connect,
  out: { code: number },
): void {
  const bmc = host
    .command('bmc')
    .description("a host's BMC (IPMI or Redfish): credentials stay encrypted at the coordinator");
  bmc
    .command('set <id>')
    .description('set how the coordinator reaches the host BMC')
    .option('--ipmi <host[:port]>', 'IPMI over LAN (lanplus), default port 623')
    .option('--redfish <url>', 'Redfish service root, https://HOST[:PORT]')
    .requiredOption('--user <user>', 'BMC user')
    .requiredOption(
      '--password-file <file>',
      'file holding the BMC password (kept off argv and shell history)',
    )
    .option('--ca-file <file>', 'Redfish: the BMC CA or self-signed certificate (PEM)')
    .option('--pin-sha256 <fingerprint>', "Redfish: pin the BMC certificate's SHA-256 fingerprint")
    .option(
      '--insecure-skip-verify',
      'Redfish: do NOT verify the certificate (loud; for labs only)',
    )
    .option('--cipher-suite <n>', 'IPMI: ipmitool -C (default 3)', (v) => Number(v))
    .option('--json', 'machine-readable output')
    .action(
      async (
        id: string,
        o: {
          ipmi?: string;
          redfish?: string;
          user: string;
          passwordFile: string;
          caFile?: string;
          pinSha256?: string;
          insecureSkipVerify?: boolean;
          cipherSuite?: number;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        if (!!o.ipmi === !!o.redfish)
          throw new PlinthError(
            ErrorCodes.INVALID_ARGUMENT,
            'give exactly one of --ipmi HOST[:PORT] or --redfish URL',
          );
        const password = await readSecretFile(o.passwordFile, 'password file');
        const caPem = o.caFile ? await readSecretFile(o.caFile, 'CA file') : '';
        const { client, target } = await connect(cmd);
        const r = await call(client, target, 'SetBmc', {
          hostId: id,
          protocol: o.ipmi ? 'ipmi' : 'redfish',
          address: (o.ipmi ?? o.redfish)!,
          user: o.user,
          password,
          caPem,
          pinnedSha256: o.pinSha256 ?? '',
          insecureSkipVerify: !!o.insecureSkipVerify,
          cipherSuite: o.cipherSuite ?? 0,
        });
        client.close();
        if (o.json) return printJson(r);
        process.stdout.write(
          `${id}: BMC ${r.protocol} ${r.address} as ${r.user} (certificate: ${r.trust}); try: plinth host power ${id} status\n`,
        );
      },
    );
  bmc
    .command('show <id>')
    .description('the BMC settings (never the password)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const { client, target } = await connect(cmd);
      const r = await call(client, target, 'GetBmc', { id });
      client.close();
      if (o.json) return printJson(r);
      process.stdout.write(
        `${id}: ${r.protocol} ${r.address} as ${r.user} (certificate: ${r.trust}), set ${when(Number(r.updatedMs))}\n`,
      );
    });

  host
    .command('power <id> <action>')
    .description(
      'power status|on|off|cycle through the BMC (off is immediate: prefer draining first)',
    )
    .option('--json', 'machine-readable output')
    .action(async (id: string, action: string, o: { json?: boolean }, cmd: Command) => {
      const { client, target } = await connect(cmd);
      const r = await call(client, target, 'Power', { hostId: id, action }, 60_000);
      client.close();
      if (o.json) return printJson(r);
      process.stdout.write(
        `${id}: power ${r.state}${r.alreadyInState ? ` (was already ${action === 'on' ? 'on' : 'off'})` : ''}\n`,
      );
    });

  program
    .command('fence <id>')
    .description(
      'power a host off through its BMC and read back until it is off (already off counts as success)',
    )
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      "\nFencing is what makes it safe to start a lost host's VMs elsewhere. Every attempt is an event (plinth events --host ID).",
    )
    .action(async (id: string, o: { yes?: boolean; json?: boolean }, cmd: Command) => {
      if (!o.yes && !(await confirm(`Power off host ${id} now, whatever runs on it? [y/N] `))) {
        process.stderr.write('not fenced\n');
        out.code = 1;
        return;
      }
      const { client, target } = await connect(cmd);
      const r = await call(client, target, 'Fence', { id }, 15 * 60_000);
      client.close();
      if (o.json) printJson(r);
      else {
        for (const a of r.attempts)
          process.stdout.write(
            `  round ${a.round} ${a.action.padEnd(10)} ${a.ok ? 'ok    ' : 'FAILED'} ${a.powerState || ''} ${a.message || ''} (${a.durationMs} ms)\n`,
          );
        process.stdout.write(
          r.ok
            ? `${id} is off${r.alreadyOff ? ' (it already was)' : ''}: confirmed in ${r.elapsedMs} ms\n`
            : `fencing ${id} FAILED after ${r.elapsedMs} ms: ${r.message} (${r.code})\n`,
        );
      }
      if (!r.ok) out.code = 1;
    });
}
