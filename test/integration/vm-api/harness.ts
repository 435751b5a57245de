import * as grpc from '@grpc/grpc-js';
import { Command, CommanderError } from 'commander';
import { isPlinthError } from '../../../lib/errors.js';
import { silentLog } from '../../../lib/log.js';
import { loadProto, serverOptions } from '../../../lib/proto.js';
import { loadTls, serverCredentials } from '../../../lib/tls.js';
import { createVmAdmin } from '../../../coordinator/api/vm-admin.js';
import { registerEvacuationCommands } from '../../../coordinator/cli/evacuation-commands.js';
import { registerOperatorCommands } from '../../../coordinator/cli/operator.js';
import { registerVmCommands, type CliIo } from '../../../coordinator/cli/vm-commands.js';
import type { VmService } from '../../../coordinator/vms/types.js';
import type { TestPki } from '../../harness/spine.js';

/**
 * The VM Admin RPCs served alone (the rest of Admin answers UNIMPLEMENTED) over
 * real mTLS gRPC, in front of any VmService: the API layer and the CLI are tested
 * against a fake before the real service is wired into the coordinator.
 */
export async function startVmApiServer(
  pki: TestPki,
  vms: VmService | undefined,
): Promise<{ port: number; stop(): Promise<void> }> {
  const files = await pki.issue('coordinator', 'coordinator');
  const tls = await loadTls(files, 'coordinator');
  const server = new grpc.Server(serverOptions);
  server.addService(loadProto().plinth.v1.Admin.service, createVmAdmin({ vms, log: silentLog() }));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', serverCredentials(tls), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI in-process, built the way coordinator/cli/main.ts builds it (operator
 * commands, then the VM commands), with output captured and main's error rule:
 * a PlinthError prints "plinth: message (code)" and exits 2 for bad input, 1 otherwise.
 */
export async function runVmCli(
  args: string[],
  target: { coordinator: string; ca: string; cert: string; key: string },
  opts: { sleep?: (ms: number) => Promise<void> } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (s) => void (stdout += s),
    err: (s) => void (stderr += s),
    now: Date.now,
    sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20)))),
    columns: () => 200,
  };
  const out = { code: 0 };
  const program = new Command('plinth').exitOverride().configureOutput({
    writeOut: (s) => void (stdout += s),
    writeErr: (s) => void (stderr += s),
  });
  registerOperatorCommands(program, out);
  registerVmCommands(program, out, io);
  registerEvacuationCommands(program, io);
  for (const c of allCommands(program))
    c.exitOverride().configureOutput({
      writeOut: (s) => void (stdout += s),
      writeErr: (s) => void (stderr += s),
    });
  const globals = [
    '--coordinator',
    target.coordinator,
    '--ca',
    target.ca,
    '--cert',
    target.cert,
    '--key',
    target.key,
  ];
  try {
    await program.parseAsync(['node', 'plinth', ...globals, ...args]);
    return { code: out.code, stdout, stderr };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, stdout, stderr };
    if (isPlinthError(e)) {
      stderr += `plinth: ${e.message}\n  (${e.code})\n`;
      const bad = e.code === 'PLINTH_E_INVALID_ARGUMENT' || e.code === 'PLINTH_E_CONFIG';
      return { code: bad ? 2 : 1, stdout, stderr };
    }
    throw e;
  }
}

function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap((x) => allCommands(x))];
}
