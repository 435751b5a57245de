import * as grpc from '@grpc/grpc-js';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { AdminClient } from '../../proto/gen/plinth/v1/Admin.js';
import type { ApplyPlanRequest__Input } from '../../proto/gen/plinth/v1/ApplyPlanRequest.js';
import type { CordonHostRequest__Input } from '../../proto/gen/plinth/v1/CordonHostRequest.js';
import type { CordonHostResponse } from '../../proto/gen/plinth/v1/CordonHostResponse.js';
import type { CreateVmRequest__Input } from '../../proto/gen/plinth/v1/CreateVmRequest.js';
import type { DeleteVmResponse } from '../../proto/gen/plinth/v1/DeleteVmResponse.js';
import type { DrainHostRequest__Input } from '../../proto/gen/plinth/v1/DrainHostRequest.js';
import type { DrainProgress } from '../../proto/gen/plinth/v1/DrainProgress.js';
import type { DrainResult } from '../../proto/gen/plinth/v1/DrainResult.js';
import type { DrainUpdate } from '../../proto/gen/plinth/v1/DrainUpdate.js';
import type { HostMaintenanceRequest__Input } from '../../proto/gen/plinth/v1/HostMaintenanceRequest.js';
import type { ListVmsRequest__Input } from '../../proto/gen/plinth/v1/ListVmsRequest.js';
import type { ListVmsResponse } from '../../proto/gen/plinth/v1/ListVmsResponse.js';
import type { PlanVmResponse } from '../../proto/gen/plinth/v1/PlanVmResponse.js';
import type { Vm } from '../../proto/gen/plinth/v1/Vm.js';
import type { VmDetail } from '../../proto/gen/plinth/v1/VmDetail.js';
import type { VmNameRequest__Input } from '../../proto/gen/plinth/v1/VmNameRequest.js';
import type { VmPlacementResponse } from '../../proto/gen/plinth/v1/VmPlacementResponse.js';
import { explainRpcError, unaryCaller, type CliTarget } from './admin-client.js';

/** Request and response types of the VM RPCs (the rest of Admin is in admin-client's AdminUnary). */
export interface VmUnary {
  CreateVm: [CreateVmRequest__Input, VmPlacementResponse];
  PlanVm: [CreateVmRequest__Input, PlanVmResponse];
  ApplyPlan: [ApplyPlanRequest__Input, VmPlacementResponse];
  ListVms: [ListVmsRequest__Input, ListVmsResponse];
  GetVm: [VmNameRequest__Input, VmDetail];
  StartVm: [VmNameRequest__Input, Vm];
  StopVm: [VmNameRequest__Input, Vm];
  DeleteVm: [VmNameRequest__Input, DeleteVmResponse];
  CordonHost: [CordonHostRequest__Input, CordonHostResponse];
}

/** admin-client's caller (deadline, explained errors) for the VM RPCs. */
export const vmCall = unaryCaller<VmUnary>();

type DrainRequest =
  | { method: 'DrainHost'; req: DrainHostRequest__Input }
  | { method: 'HostMaintenance'; req: HostMaintenanceRequest__Input };

/**
 * Follow a drain-like stream to its one result. Ctrl-C stops following, not the
 * drain: the coordinator carries on, and the message says so.
 */
export function followDrain(
  client: AdminClient,
  target: CliTarget,
  r: DrainRequest,
  timeoutMs: number,
  onProgress: (p: DrainProgress) => void,
): Promise<DrainResult> {
  return new Promise((resolve, reject) => {
    const opts: grpc.CallOptions = { deadline: Date.now() + timeoutMs };
    const stream =
      r.method === 'DrainHost'
        ? client.DrainHost(r.req, opts)
        : client.HostMaintenance(r.req, opts);
    let result: DrainResult | undefined;
    let interrupted = false;
    const onSigint = () => {
      interrupted = true;
      stream.cancel();
    };
    process.once('SIGINT', onSigint);
    const done = (fn: () => void) => {
      process.removeListener('SIGINT', onSigint);
      fn();
    };
    stream.on('data', (u: DrainUpdate) => {
      if (u.progress) onProgress(u.progress);
      if (u.result) result = u.result;
    });
    stream.on('error', (err: grpc.ServiceError) =>
      done(() =>
        reject(
          interrupted
            ? new PlinthError(
                ErrorCodes.TIMEOUT,
                `stopped following; the ${r.method === 'DrainHost' ? 'drain' : 'maintenance'} of ${r.req.hostId} continues at the coordinator: watch it with plinth vm list --host ${r.req.hostId}`,
              )
            : explainRpcError(err, target),
        ),
      ),
    );
    // 'end' follows the last message; an error status is emitted before it, so an
    // end without a result that is not an error is the coordinator's fault.
    stream.on('end', () =>
      setImmediate(() =>
        done(() =>
          result
            ? resolve(result)
            : reject(
                new PlinthError(
                  ErrorCodes.INTERNAL,
                  `the coordinator ended the stream without a result; check plinth vm list --host ${r.req.hostId}`,
                ),
              ),
        ),
      ),
    );
  });
}
