import * as grpc from '@grpc/grpc-js';
import { silentLog } from '../../../lib/log.js';
import { loadProto, serverOptions } from '../../../lib/proto.js';
import { loadTls, serverCredentials } from '../../../lib/tls.js';
import { createVmAdmin } from '../../../coordinator/api/vm-admin.js';
import type { VmService } from '../../../coordinator/vms/types.js';
import { runCliInProcess, type CliRun } from '../../harness/cli-in-process.js';
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

/**
 * The CLI in process (test/harness/cli-in-process.ts) against `target`; waits
 * between polls are cut to 20 ms unless the test passes its own `sleep`.
 */
export function runVmCli(
  args: string[],
  target: { coordinator: string; ca: string; cert: string; key: string },
  opts: { sleep?: (ms: number) => Promise<void> } = {},
): Promise<CliRun> {
  const globals = ['--coordinator', target.coordinator, '--ca', target.ca];
  return runCliInProcess([...globals, '--cert', target.cert, '--key', target.key, ...args], {
    sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20)))),
    columns: 200,
  });
}
