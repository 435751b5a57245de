import type { Command } from 'commander';
import type { AdminClient } from '../../proto/gen/plinth/v1/Admin.js';
import { adminClient, resolveTarget, type CliTarget, type TargetFlags } from './admin-client.js';

/** Where output goes and how time passes: the process by default, captured in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Terminal width for the per-host table. */
  columns(): number;
}

export const processIo: CliIo = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  now: Date.now,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  columns: () => (process.stdout.isTTY ? process.stdout.columns || 160 : 160),
};

/** Exit code holder shared with main.ts. */
export type Out = { code: number };
export type Connected = { client: AdminClient; target: CliTarget };

function targetFlags(cmd: Command): TargetFlags {
  const o = cmd.optsWithGlobals<TargetFlags>();
  return { coordinator: o.coordinator, ca: o.ca, cert: o.cert, key: o.key, cliConfig: o.cliConfig };
}

/** Resolve the target, connect, run, and always close the channel. */
export async function withClient<T>(cmd: Command, fn: (c: Connected) => Promise<T>): Promise<T> {
  const target = await resolveTarget(targetFlags(cmd));
  const client = await adminClient(target);
  try {
    return await fn({ client, target });
  } finally {
    client.close();
  }
}
