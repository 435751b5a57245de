import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { Log } from '../../lib/log.js';
import { peerIdentity } from '../../lib/tls.js';
import { toServiceError } from './status.js';

/** Every Admin RPC (hosts, VMs, evacuation) is for admin certificates only. */
export function requireAdmin(call: {
  getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null;
}): string {
  const id = peerIdentity(call.getAuthContext()?.sslPeerCertificate);
  if (!id || id.role !== 'admin') {
    throw new PlinthError(
      ErrorCodes.PERMISSION_DENIED,
      `the Admin service needs an admin certificate (this one is ${id ? id.role : 'not a plinth certificate'}): use \`plinth pki issue --role admin\``,
    );
  }
  return id.name;
}

/** Wrap a unary Admin handler: role check, then errors mapped to status in one place. */
export function unary<Req, Res>(
  log: Log,
  name: string,
  fn: (req: Req, who: string) => Res | Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, cb) => {
    Promise.resolve()
      .then(() => fn(call.request, requireAdmin(call)))
      .then(
        (res) => cb(null, res),
        (e: unknown) => {
          const se = toServiceError(e);
          if (se.code === grpc.status.INTERNAL)
            log.error({ rpc: name, err: (e as Error).message }, 'admin call failed');
          cb(se as grpc.ServiceError);
        },
      );
  };
}
