import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { describeSchema } from '../../lib/config-schema.js';
import { describeCertPem, initCa, issueToDir, ROLES, type Role } from '../../lib/pki.js';
import { VERSION } from '../../lib/version.js';
import { agentSchema } from '../../agent/config.js';
import { coordinatorSchema } from '../config.js';
import { runAgent, runCoordinator } from './daemons.js';
import { exitFor } from './exit.js';
import { up } from './up.js';
import { registerOperatorCommands } from './operator.js';
import { registerVmCommands } from './vm-commands.js';
import { registerEvacuationCommands } from './evacuation-commands.js';
import { registerLabCommands } from '../../lab/cli.js';

function buildProgram(out: { code: number }): Command {
  const program = new Command('plinth')
    .description(
      'plinth: the host layer of a private cloud. One executable for the daemons and for operators.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false });

  program
    .command('up')
    .description(
      'run a coordinator and an agent for this host on 127.0.0.1, with a generated dev CA (first thing to try)',
    )
    .option('--dir <dir>', 'where keys, configs and databases go', '.plinth')
    .option('--host-id <id>', 'host id for this machine (default: its hostname)')
    .option('--port <port>', 'coordinator gRPC port', (v) => Number(v), 7443)
    .option('--agent-metrics-port <port>', 'agent /metrics port', (v) => Number(v), 9469)
    .option(
      '--coordinator-metrics-port <port>',
      'coordinator /metrics port',
      (v) => Number(v),
      9470,
    )
    .option('--log-level <level>', 'trace|debug|info|warn|error', 'info')
    .addHelpText(
      'after',
      '\nRe-running keeps existing keys and configs. Ctrl-C stops both daemons cleanly.',
    )
    .action(
      async (o: {
        dir: string;
        hostId?: string;
        port: number;
        agentMetricsPort: number;
        coordinatorMetricsPort: number;
        logLevel: string;
      }) => {
        out.code = await up(o);
      },
    );

  program
    .command('agent')
    .description('run the agent daemon (systemd: plinth-agent.service)')
    .option('-c, --config <file>', 'JSON config file', '/etc/plinth/agent.json')
    .option('--check-config', 'validate the config and print it with defaults filled in, then exit')
    .addHelpText('after', () => `\nConfig keys:\n  ${describeSchema(agentSchema()).join('\n  ')}\n`)
    .action(async (o: { config: string; checkConfig?: boolean }) => {
      if (o.checkConfig) {
        const { loadAgentConfig } = await import('../../agent/config.js');
        process.stdout.write(JSON.stringify(await loadAgentConfig(o.config), null, 2) + '\n');
        return;
      }
      out.code = await runAgent(o.config);
    });

  program
    .command('coordinator')
    .description('run the coordinator daemon (systemd: plinth-coordinator.service)')
    .option('-c, --config <file>', 'JSON config file', '/etc/plinth/coordinator.json')
    .option('--check-config', 'validate the config and print it with defaults filled in, then exit')
    .addHelpText(
      'after',
      () => `\nConfig keys:\n  ${describeSchema(coordinatorSchema).join('\n  ')}\n`,
    )
    .action(async (o: { config: string; checkConfig?: boolean }) => {
      if (o.checkConfig) {
        const { loadCoordinatorConfig } = await import('../config.js');
        process.stdout.write(JSON.stringify(await loadCoordinatorConfig(o.config), null, 2) + '\n');
        return;
      }
      out.code = await runCoordinator(o.config);
    });

  const pki = program
    .command('pki')
    .description(
      'certificates: a CA, and role certificates for the coordinator, agents and operators',
    );
  pki
    .command('init')
    .description('create a CA (ca.crt, ca.key) unless one exists')
    .option('--dir <dir>', 'PKI directory', '/etc/plinth/pki')
    .option('--cn <name>', 'CA common name', 'plinth CA')
    .action(async (o: { dir: string; cn: string }) => {
      const created = await initCa(o.dir, { commonName: o.cn });
      process.stdout.write(
        created
          ? `created CA in ${o.dir}\n`
          : `a CA already exists in ${o.dir}; left it unchanged\n`,
      );
    });
  pki
    .command('issue')
    .description('issue a key and certificate signed by the CA')
    .addOption(
      new Option('--role <role>', 'what the certificate may do')
        .choices([...ROLES])
        .makeOptionMandatory(),
    )
    .requiredOption('--name <name>', 'the host id (agent) or a name (coordinator, admin)')
    .option('--dir <dir>', 'PKI directory', '/etc/plinth/pki')
    .option('--dns <names...>', 'extra DNS names (coordinator)')
    .option('--ip <ips...>', 'extra IP addresses (coordinator)')
    .option('--days <n>', 'validity in days', (v) => Number(v), 825)
    .option('--force', 'replace an existing certificate')
    .option(
      '--out <name>',
      'write NAME.crt/NAME.key (a path, or a name in --dir) instead of ROLE-NAME.crt/.key, e.g. --out agent for the packaged config',
    )
    .option(
      '--group <group>',
      'make the key readable by this group (0640), e.g. --group plinth for the coordinator',
    )
    .addHelpText(
      'after',
      '\nAn agent certificate names its host: the coordinator refuses any message about another host.\nOnly a coordinator certificate can serve; agents and admins are clients only.',
    )
    .action(
      async (o: {
        role: Role;
        name: string;
        dir: string;
        dns?: string[];
        ip?: string[];
        days: number;
        force?: boolean;
        out?: string;
        group?: string;
      }) => {
        const r = await issueToDir(o.dir, {
          out: o.out,
          group: o.group,
          role: o.role,
          name: o.name,
          dnsNames: o.dns,
          ips: o.ip,
          days: o.days,
          force: o.force,
        });
        process.stdout.write(
          r.created
            ? `issued ${r.cert} and ${r.key}\n`
            : `${r.cert} already exists; use --force to replace it\n`,
        );
      },
    );
  pki
    .command('show <cert>')
    .description('print what a certificate is: subject, role, host, expiry')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { json?: boolean }) => {
      const d = describeCertPem(await readFile(file, 'utf8'));
      process.stdout.write(
        o.json
          ? JSON.stringify(d, null, 2) + '\n'
          : `subject: ${d.subject}\nrole:    ${d.identity?.role ?? '(not a plinth certificate)'}\nname:    ${d.identity?.name ?? '-'}\nexpires: ${d.notAfter}\n`,
      );
    });

  registerOperatorCommands(program, out);
  // After the operator commands: it adds cordon, drain and maintenance to their `host`.
  registerVmCommands(program, out);
  registerEvacuationCommands(program);
  registerLabCommands(program, out);
  return program;
}

/** Entry point; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const out = { code: 0 };
  const program = buildProgram(out);
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return out.code;
  } catch (e) {
    const exit = exitFor(e);
    process.stderr.write(exit.stderr);
    return exit.code;
  }
}
