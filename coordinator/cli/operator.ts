import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import type { Command } from 'commander';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { AdminClient } from '../../proto/gen/plinth/v1/Admin.js';
import type { Event } from '../../proto/gen/plinth/v1/Event.js';
import type { HostSummary } from '../../proto/gen/plinth/v1/HostSummary.js';
import {
  adminClient,
  call,
  explainRpcError,
  resolveTarget,
  type CliTarget,
  type TargetFlags,
} from './admin-client.js';
import { age, bytes, printJson, table, when } from './format.js';
import { registerBmcCommands } from './bmc-commands.js';

function targetFlags(cmd: Command): TargetFlags {
  const o = cmd.optsWithGlobals<TargetFlags>();
  return { coordinator: o.coordinator, ca: o.ca, cert: o.cert, key: o.key, cliConfig: o.cliConfig };
}

async function connect(cmd: Command): Promise<{ client: AdminClient; target: CliTarget }> {
  const target = await resolveTarget(targetFlags(cmd));
  return { client: await adminClient(target), target };
}

function parseLabels(pairs: string[]): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const p of pairs) {
    if (p.endsWith('-') && !p.includes('=')) remove.push(p.slice(0, -1));
    else {
      const i = p.indexOf('=');
      if (i <= 0)
        throw new PlinthError(
          ErrorCodes.INVALID_ARGUMENT,
          `"${p}" is not key=value (or key- to remove a label)`,
        );
      set[p.slice(0, i)] = p.slice(i + 1);
    }
  }
  return { set, remove };
}

function conditionText(h: HostSummary): string {
  const active = h.conditions.filter((c) => c.status).map((c) => c.type);
  const sick = h.drivers.filter((d) => d.health === 'unhealthy').map((d) => `${d.name}!`);
  return [...active, ...sick].join(',') || '-';
}

function eventLine(e: Event): string {
  const obj = e.objectKind ? ` [${e.objectKind} ${e.objectId}]` : '';
  return `${when(Number(e.atMs))}  ${e.severity.padEnd(8)} ${e.hostId.padEnd(16)} ${e.type.padEnd(20)} ${e.message}${obj}`;
}

export function registerOperatorCommands(program: Command, out: { code: number }): void {
  program
    .option('--coordinator <host:port>', 'coordinator address (env PLINTH_COORDINATOR)')
    .option('--ca <file>', 'CA certificate (env PLINTH_CA)')
    .option('--cert <file>', 'admin certificate (env PLINTH_CERT)')
    .option('--key <file>', 'admin key (env PLINTH_KEY)')
    .option(
      '--cli-config <file>',
      'CLI config file (default: ./.plinth/cli.json, ~/.config/plinth/cli.json, /etc/plinth/cli.json)',
    );

  program
    .command('hosts')
    .description('list hosts with their state and inventory')
    .option('--json', 'machine-readable output')
    .option('-l, --label <key=value...>', 'only hosts with these labels')
    .action(async (o: { json?: boolean; label?: string[] }, cmd: Command) => {
      const { client, target } = await connect(cmd);
      const res = await call(client, target, 'ListHosts', {
        labels: parseLabels(o.label ?? []).set,
      });
      client.close();
      if (o.json) return printJson(res.hosts);
      if (res.hosts.length === 0) {
        process.stdout.write(
          'no hosts yet: start an agent (plinth up, or systemctl start plinth-agent)\n',
        );
        return;
      }
      const rows = res.hosts.map((h) => [
        h.id,
        h.state,
        age(Number(h.lastSeenAgeMs)),
        h.cpuThreads ? `${h.cpuThreads}` : '-',
        bytes(Number(h.memoryBytes)),
        `${h.appliedGeneration}/${h.desiredGeneration}`,
        conditionText(h),
        Object.entries(h.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || '-',
      ]);
      process.stdout.write(
        table(['HOST', 'STATE', 'SEEN', 'CPUS', 'MEMORY', 'GEN', 'CONDITIONS', 'LABELS'], rows),
      );
    });

  const host = program
    .command('host')
    .description('one host: show, label, desired state, commands');
  host
    .command('show <id>')
    .description('everything the coordinator knows about a host')
    .option('--json', 'machine-readable output')
    .option('--objects', 'list every observed object')
    .action(async (id: string, o: { json?: boolean; objects?: boolean }, cmd: Command) => {
      const { client, target } = await connect(cmd);
      const d = await call(client, target, 'GetHost', { id });
      client.close();
      if (o.json) {
        return printJson({
          ...d,
          objects: d.objects.map((x) => ({
            kind: x.kind,
            id: x.id,
            data: JSON.parse(x.dataJson || '{}') as unknown,
          })),
        });
      }
      const s = d.summary!;
      const inv = d.inventory;
      const lines = [
        `host:        ${s.id}  (${s.state}, ${s.connected ? 'connected' : 'not connected'}, last seen ${age(Number(s.lastSeenAgeMs))} ago)`,
        `agent:       ${s.version || '-'}`,
        `labels:      ${
          Object.entries(s.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || '-'
        }`,
        `cpu:         ${inv?.cpu?.model ?? '-'} (${inv?.cpu?.sockets ?? 0} sockets, ${inv?.cpu?.cores ?? 0} cores, ${inv?.cpu?.threads ?? 0} threads${(inv?.cpu?.flags ?? []).some((f) => f === 'vmx' || f === 'svm') ? ', hw virt' : ''})`,
        `memory:      ${bytes(Number(inv?.memory?.totalBytes ?? 0))}${inv?.numa?.length ? `, ${inv.numa.length} NUMA nodes` : ''}`,
        `system:      ${[inv?.system?.vendor, inv?.system?.model, inv?.system?.serial].filter(Boolean).join(' / ') || '-'}`,
        `os:          ${[inv?.os?.distro, inv?.os?.release, inv?.os?.kernel].filter(Boolean).join(' ') || '-'}`,
        `disks:       ${(inv?.disks ?? []).map((x) => `${x.name} ${bytes(Number(x.sizeBytes))}${x.rotational ? ' hdd' : ''}`).join(', ') || '-'}`,
        `nics:        ${(inv?.nics ?? []).map((x) => `${x.name} ${x.mac}${x.speedMbps > 0 ? ` ${x.speedMbps}Mb/s` : ''}`).join(', ') || '-'}`,
        `desired:     generation ${s.desiredGeneration}, applied ${s.appliedGeneration}`,
        '',
        'drivers:',
        ...s.drivers.map(
          (x) => `  ${x.name.padEnd(12)} ${x.health}${x.message ? `  ${x.message}` : ''}`,
        ),
      ];
      if (s.conditions.length)
        lines.push(
          '',
          'conditions:',
          ...s.conditions.map(
            (c) =>
              `  ${c.type.padEnd(12)} ${c.status ? 'TRUE ' : 'false'} ${c.reason}: ${c.message}`,
          ),
        );
      const failed = d.lastResults.filter((r) => !r.ok);
      if (failed.length)
        lines.push(
          '',
          'apply errors:',
          ...failed.map((r) => `  ${r.kind} ${r.id}: ${r.message} (${r.code})`),
        );
      const counts = new Map<string, number>();
      for (const x of d.objects) counts.set(x.kind, (counts.get(x.kind) ?? 0) + 1);
      lines.push('', `objects:     ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ') || '-'}`);
      if (o.objects) lines.push(...d.objects.map((x) => `  ${x.kind} ${x.id} ${x.dataJson}`));
      process.stdout.write(lines.join('\n') + '\n');
    });

  host
    .command('label <id> <labels...>')
    .description('set labels (key=value) or remove them (key-): rack, row, power feed, anything')
    .option('--json', 'machine-readable output')
    .action(async (id: string, labels: string[], o: { json?: boolean }, cmd: Command) => {
      const { set, remove } = parseLabels(labels);
      const { client, target } = await connect(cmd);
      const s = await call(client, target, 'LabelHost', { id, set, remove });
      client.close();
      if (o.json) return printJson(s);
      process.stdout.write(
        `${s.id}: ${
          Object.entries(s.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || '(no labels)'
        }\n`,
      );
    });

  const desired = host
    .command('desired')
    .description(
      "a host's whole desired state (experts and tests; the scheduler writes the same record)",
    );
  desired
    .command('set <id> <file>')
    .description(
      'replace the desired state with the JSON document in FILE (- for stdin); prints the new generation',
    )
    .option(
      '--expect-generation <n>',
      'refuse unless the current generation is n',
      (v) => Number(v),
      0,
    )
    .option('--json', 'machine-readable output')
    .action(
      async (
        id: string,
        file: string,
        o: { expectGeneration: number; json?: boolean },
        cmd: Command,
      ) => {
        const text =
          file === '-'
            ? await readStdin()
            : await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
                throw new PlinthError(
                  ErrorCodes.INVALID_ARGUMENT,
                  `cannot read ${file}: ${e.code ?? e.message}`,
                );
              });
        try {
          JSON.parse(text);
        } catch (e) {
          throw new PlinthError(
            ErrorCodes.INVALID_ARGUMENT,
            `${file} is not valid JSON: ${(e as Error).message}`,
          );
        }
        const { client, target } = await connect(cmd);
        const r = await call(client, target, 'SetDesired', {
          id,
          specJson: text,
          expectGeneration: o.expectGeneration,
        });
        client.close();
        if (o.json) return printJson({ hostId: r.hostId, generation: r.generation });
        process.stdout.write(
          `${id}: desired generation ${r.generation} (applied ${r.appliedGeneration}); follow with: plinth host desired show ${id}\n`,
        );
      },
    );
  desired
    .command('show <id>')
    .description('the desired state, the generation the agent applied, and per-object results')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const { client, target } = await connect(cmd);
      const r = await call(client, target, 'GetDesired', { id });
      client.close();
      const spec = JSON.parse(r.specJson || '{}') as unknown;
      if (o.json)
        return printJson({
          hostId: r.hostId,
          generation: r.generation,
          appliedGeneration: r.appliedGeneration,
          spec,
          results: r.results,
        });
      process.stdout.write(
        `generation ${r.generation}, applied ${r.appliedGeneration}\n${JSON.stringify(spec, null, 2)}\n`,
      );
      if (r.results.length)
        process.stdout.write(
          table(
            ['KIND', 'ID', 'RESULT', 'DETAIL'],
            r.results.map((x) => [
              x.kind,
              x.id,
              x.ok ? x.action || 'ok' : 'ERROR',
              x.ok ? '' : `${x.message} (${x.code})`,
            ]),
          ),
        );
    });

  host
    .command('run <id> <kind>')
    .description('run a one-shot operation on the host agent, e.g. ceph.maintenance.status')
    .option('--args <json>', 'arguments as a JSON object', '{}')
    .option('--timeout <seconds>', 'how long to wait for the answer', (v) => Number(v), 120)
    .option('--json', 'machine-readable output')
    .action(
      async (
        id: string,
        kind: string,
        o: { args: string; timeout: number; json?: boolean },
        cmd: Command,
      ) => {
        const { client, target } = await connect(cmd);
        const r = await call(
          client,
          target,
          'RunCommand',
          { hostId: id, kind, argsJson: o.args, timeoutMs: o.timeout * 1000 },
          o.timeout * 1000 + 5000,
        );
        client.close();
        if (o.json)
          printJson({
            ok: r.ok,
            code: r.code,
            message: r.message,
            result: r.resultJson ? (JSON.parse(r.resultJson) as unknown) : null,
          });
        else
          process.stdout.write(
            r.ok
              ? `${r.resultJson ? JSON.stringify(JSON.parse(r.resultJson), null, 2) : 'ok'}\n`
              : `failed: ${r.message} (${r.code})\n`,
          );
        if (!r.ok) out.code = 1;
      },
    );

  registerBmcCommands(program, host, connect, out);

  program
    .command('events')
    .description('the cluster event log; --follow streams new events')
    .option('-f, --follow', 'keep streaming new events')
    .option('--host <id>', 'only this host')
    .option('-n, --limit <n>', 'how many past events', (v) => Number(v), 50)
    .option('--after <id>', 'events after this id', (v) => Number(v), 0)
    .option('--json', 'one JSON object per line')
    .action(
      async (
        o: { follow?: boolean; host?: string; limit: number; after: number; json?: boolean },
        cmd: Command,
      ) => {
        const { client, target } = await connect(cmd);
        const print = (e: Event) =>
          process.stdout.write(
            (o.json
              ? JSON.stringify({
                  ...e,
                  data: e.dataJson ? (JSON.parse(e.dataJson) as unknown) : undefined,
                  dataJson: undefined,
                })
              : eventLine(e)) + '\n',
          );
        const past = await call(client, target, 'ListEvents', {
          afterId: o.after,
          limit: o.limit,
          hostId: o.host ?? '',
        });
        past.events.forEach(print);
        if (!o.follow) return client.close();
        const lastId = Number(past.events.at(-1)?.id ?? o.after);
        await new Promise<void>((resolve, reject) => {
          const stream = client.WatchEvents({
            afterId: lastId || 0,
            limit: 0,
            hostId: o.host ?? '',
          });
          stream.on('data', print);
          stream.on('error', (err: grpc.ServiceError) =>
            err.code === grpc.status.CANCELLED ? resolve() : reject(explainRpcError(err, target)),
          );
          stream.on('end', () => resolve());
          process.once('SIGINT', () => {
            stream.cancel();
            resolve();
          });
        });
        client.close();
      },
    );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
