import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import { channelOptions, loadProto } from '../../lib/proto.js';
import { dialOptions, loadTls } from '../../lib/tls.js';
import type { AdminClient } from '../../proto/gen/plinth/v1/Admin.js';
import type { BmcInfo } from '../../proto/gen/plinth/v1/BmcInfo.js';
import type { FenceResponse } from '../../proto/gen/plinth/v1/FenceResponse.js';
import type { PowerRequest__Input } from '../../proto/gen/plinth/v1/PowerRequest.js';
import type { PowerResponse } from '../../proto/gen/plinth/v1/PowerResponse.js';
import type { SetBmcRequest__Input } from '../../proto/gen/plinth/v1/SetBmcRequest.js';
import type { CommandResult } from '../../proto/gen/plinth/v1/CommandResult.js';
import type { DesiredState } from '../../proto/gen/plinth/v1/DesiredState.js';
import type { GetHostRequest__Input } from '../../proto/gen/plinth/v1/GetHostRequest.js';
import type { HostDetail } from '../../proto/gen/plinth/v1/HostDetail.js';
import type { HostSummary } from '../../proto/gen/plinth/v1/HostSummary.js';
import type { LabelHostRequest__Input } from '../../proto/gen/plinth/v1/LabelHostRequest.js';
import type { ListEventsRequest__Input } from '../../proto/gen/plinth/v1/ListEventsRequest.js';
import type { ListEventsResponse } from '../../proto/gen/plinth/v1/ListEventsResponse.js';
import type { ListHostsRequest__Input } from '../../proto/gen/plinth/v1/ListHostsRequest.js';
import type { ListHostsResponse } from '../../proto/gen/plinth/v1/ListHostsResponse.js';
import type { RunCommandRequest__Input } from '../../proto/gen/plinth/v1/RunCommandRequest.js';
import type { SetDesiredRequest__Input } from '../../proto/gen/plinth/v1/SetDesiredRequest.js';
import { ERROR_CODE_METADATA_KEY } from '../api/status.js';

/** Where the CLI finds the coordinator and its admin certificate. */
export interface CliTarget {
  coordinator: string;
  ca: string;
  cert: string;
  key: string;
  source: string;
}

export interface TargetFlags {
  coordinator?: string;
  ca?: string;
  cert?: string;
  key?: string;
  cliConfig?: string;
}

const SEARCH = (): string[] =>
  [
    process.env.PLINTH_CLI_CONFIG ?? '',
    resolve('.plinth/cli.json'),
    join(homedir(), '.config/plinth/cli.json'),
    '/etc/plinth/cli.json',
  ].filter(Boolean);

/**
 * Flags beat environment beat the first cli.json found (written by `plinth up`
 * and by the package). Paths in a cli.json are relative to it.
 */
export async function resolveTarget(flags: TargetFlags): Promise<CliTarget> {
  let file: Partial<CliTarget> = {};
  let source = 'flags';
  const candidates = flags.cliConfig ? [flags.cliConfig] : SEARCH();
  for (const p of candidates) {
    if (!existsSync(p)) {
      if (flags.cliConfig)
        throw new PlinthError(ErrorCodes.CONFIG, `CLI config ${p} does not exist`);
      continue;
    }
    try {
      const raw = JSON.parse(await readFile(p, 'utf8')) as Partial<CliTarget>;
      const base = dirname(p);
      file = {
        coordinator: raw.coordinator,
        ca: raw.ca && resolve(base, raw.ca),
        cert: raw.cert && resolve(base, raw.cert),
        key: raw.key && resolve(base, raw.key),
      };
      source = p;
    } catch (e) {
      throw new PlinthError(
        ErrorCodes.CONFIG,
        `CLI config ${p} is not valid JSON: ${(e as Error).message}`,
      );
    }
    break;
  }
  const pick = (flag: string | undefined, env: string, fromFile: string | undefined) =>
    flag ?? process.env[env] ?? fromFile;
  const t = {
    coordinator: pick(flags.coordinator, 'PLINTH_COORDINATOR', file.coordinator),
    ca: pick(flags.ca, 'PLINTH_CA', file.ca),
    cert: pick(flags.cert, 'PLINTH_CERT', file.cert),
    key: pick(flags.key, 'PLINTH_KEY', file.key),
  };
  const missing = Object.entries(t)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length > 0) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `don't know ${missing.join(', ')} of the coordinator to talk to. Run \`plinth up\` in this directory (it writes .plinth/cli.json), or pass --coordinator HOST:PORT --ca --cert --key (an admin certificate: plinth pki issue --role admin --name NAME).`,
    );
  }
  return { ...(t as Omit<CliTarget, 'source'>), source };
}

export async function adminClient(target: CliTarget): Promise<AdminClient> {
  const tls = await loadTls(
    { ca: target.ca, cert: target.cert, key: target.key },
    'admin',
    'the CLI',
  );
  const Admin = loadProto().plinth.v1.Admin;
  const { creds, options } = dialOptions(tls, target.coordinator, channelOptions);
  return new Admin(target.coordinator, creds, options) as unknown as AdminClient;
}

/** Turn a gRPC failure into a sentence that says what failed and what to do. */
export function explainRpcError(err: grpc.ServiceError, target: CliTarget): PlinthError {
  const code = (err.metadata?.get(ERROR_CODE_METADATA_KEY)?.[0] as string | undefined) ?? '';
  if (err.code === grpc.status.UNAVAILABLE && !code) {
    return new PlinthError(
      ErrorCodes.UNAVAILABLE,
      `cannot reach the coordinator at ${target.coordinator} (${err.details}). Is it running (plinth up / systemctl status plinth-coordinator)? Is the address right (--coordinator, ${target.source})? A certificate from another CA also fails here.`,
    );
  }
  if (err.code === grpc.status.DEADLINE_EXCEEDED && !code) {
    return new PlinthError(
      ErrorCodes.TIMEOUT,
      `the coordinator at ${target.coordinator} did not answer in time`,
    );
  }
  return new PlinthError((code || ErrorCodes.INTERNAL) as never, err.details || err.message);
}

/** Request and response types of Admin's unary methods. */
export interface AdminUnary {
  ListHosts: [ListHostsRequest__Input, ListHostsResponse];
  GetHost: [GetHostRequest__Input, HostDetail];
  LabelHost: [LabelHostRequest__Input, HostSummary];
  SetDesired: [SetDesiredRequest__Input, DesiredState];
  GetDesired: [GetHostRequest__Input, DesiredState];
  RunCommand: [RunCommandRequest__Input, CommandResult];
  ListEvents: [ListEventsRequest__Input, ListEventsResponse];
  SetBmc: [SetBmcRequest__Input, BmcInfo];
  GetBmc: [GetHostRequest__Input, BmcInfo];
  Power: [PowerRequest__Input, PowerResponse];
  Fence: [GetHostRequest__Input, FenceResponse];
}

/**
 * A typed caller for one group of Admin's unary methods (name -> [request,
 * response]): a deadline on every call, failures become explained PlinthErrors.
 * Each CLI module names its own group (AdminUnary here, VmUnary, EvacuationUnary).
 */
export function unaryCaller<U extends { [M in keyof U]: [unknown, unknown] }>() {
  return <M extends keyof U & keyof AdminClient & string>(
    client: AdminClient,
    target: CliTarget,
    method: M,
    req: U[M][0],
    timeoutMs = 15_000,
  ): Promise<U[M][1]> =>
    new Promise((resolvePromise, reject) => {
      const fn = (client as unknown as Record<string, unknown>)[method] as (
        req: U[M][0],
        md: grpc.Metadata,
        opts: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, res?: U[M][1]) => void,
      ) => unknown;
      fn.call(
        client,
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, res) => {
          if (err) reject(explainRpcError(err, target));
          else resolvePromise(res as U[M][1]);
        },
      );
    });
}

/** Call a unary Admin method (host, desired state, events, BMC). */
export const call = unaryCaller<AdminUnary>();
