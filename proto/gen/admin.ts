import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Ack__Input as _plinth_v1_Ack__Input, Ack as _plinth_v1_Ack } from './plinth/v1/Ack.js';
import type { AdminClient as _plinth_v1_AdminClient, AdminDefinition as _plinth_v1_AdminDefinition } from './plinth/v1/Admin.js';
import type { AgentGatewayClient as _plinth_v1_AgentGatewayClient, AgentGatewayDefinition as _plinth_v1_AgentGatewayDefinition } from './plinth/v1/AgentGateway.js';
import type { AgentMessage__Input as _plinth_v1_AgentMessage__Input, AgentMessage as _plinth_v1_AgentMessage } from './plinth/v1/AgentMessage.js';
import type { ApplyPlanRequest__Input as _plinth_v1_ApplyPlanRequest__Input, ApplyPlanRequest as _plinth_v1_ApplyPlanRequest } from './plinth/v1/ApplyPlanRequest.js';
import type { ApplyResult__Input as _plinth_v1_ApplyResult__Input, ApplyResult as _plinth_v1_ApplyResult } from './plinth/v1/ApplyResult.js';
import type { BmcInfo__Input as _plinth_v1_BmcInfo__Input, BmcInfo as _plinth_v1_BmcInfo } from './plinth/v1/BmcInfo.js';
import type { Command__Input as _plinth_v1_Command__Input, Command as _plinth_v1_Command } from './plinth/v1/Command.js';
import type { CommandResult__Input as _plinth_v1_CommandResult__Input, CommandResult as _plinth_v1_CommandResult } from './plinth/v1/CommandResult.js';
import type { Condition__Input as _plinth_v1_Condition__Input, Condition as _plinth_v1_Condition } from './plinth/v1/Condition.js';
import type { ConfirmHostOffResponse__Input as _plinth_v1_ConfirmHostOffResponse__Input, ConfirmHostOffResponse as _plinth_v1_ConfirmHostOffResponse } from './plinth/v1/ConfirmHostOffResponse.js';
import type { CoordinatorMessage__Input as _plinth_v1_CoordinatorMessage__Input, CoordinatorMessage as _plinth_v1_CoordinatorMessage } from './plinth/v1/CoordinatorMessage.js';
import type { CordonHostRequest__Input as _plinth_v1_CordonHostRequest__Input, CordonHostRequest as _plinth_v1_CordonHostRequest } from './plinth/v1/CordonHostRequest.js';
import type { CordonHostResponse__Input as _plinth_v1_CordonHostResponse__Input, CordonHostResponse as _plinth_v1_CordonHostResponse } from './plinth/v1/CordonHostResponse.js';
import type { CpuInfo__Input as _plinth_v1_CpuInfo__Input, CpuInfo as _plinth_v1_CpuInfo } from './plinth/v1/CpuInfo.js';
import type { CreateVmRequest__Input as _plinth_v1_CreateVmRequest__Input, CreateVmRequest as _plinth_v1_CreateVmRequest } from './plinth/v1/CreateVmRequest.js';
import type { DeleteVmResponse__Input as _plinth_v1_DeleteVmResponse__Input, DeleteVmResponse as _plinth_v1_DeleteVmResponse } from './plinth/v1/DeleteVmResponse.js';
import type { Delta__Input as _plinth_v1_Delta__Input, Delta as _plinth_v1_Delta } from './plinth/v1/Delta.js';
import type { DeltaAck__Input as _plinth_v1_DeltaAck__Input, DeltaAck as _plinth_v1_DeltaAck } from './plinth/v1/DeltaAck.js';
import type { Desired__Input as _plinth_v1_Desired__Input, Desired as _plinth_v1_Desired } from './plinth/v1/Desired.js';
import type { DesiredState__Input as _plinth_v1_DesiredState__Input, DesiredState as _plinth_v1_DesiredState } from './plinth/v1/DesiredState.js';
import type { DiskInfo__Input as _plinth_v1_DiskInfo__Input, DiskInfo as _plinth_v1_DiskInfo } from './plinth/v1/DiskInfo.js';
import type { DrainHostRequest__Input as _plinth_v1_DrainHostRequest__Input, DrainHostRequest as _plinth_v1_DrainHostRequest } from './plinth/v1/DrainHostRequest.js';
import type { DrainProgress__Input as _plinth_v1_DrainProgress__Input, DrainProgress as _plinth_v1_DrainProgress } from './plinth/v1/DrainProgress.js';
import type { DrainResult__Input as _plinth_v1_DrainResult__Input, DrainResult as _plinth_v1_DrainResult } from './plinth/v1/DrainResult.js';
import type { DrainUpdate__Input as _plinth_v1_DrainUpdate__Input, DrainUpdate as _plinth_v1_DrainUpdate } from './plinth/v1/DrainUpdate.js';
import type { DriverStatus__Input as _plinth_v1_DriverStatus__Input, DriverStatus as _plinth_v1_DriverStatus } from './plinth/v1/DriverStatus.js';
import type { EvacuationBrakeRequest__Input as _plinth_v1_EvacuationBrakeRequest__Input, EvacuationBrakeRequest as _plinth_v1_EvacuationBrakeRequest } from './plinth/v1/EvacuationBrakeRequest.js';
import type { EvacuationBrakeResponse__Input as _plinth_v1_EvacuationBrakeResponse__Input, EvacuationBrakeResponse as _plinth_v1_EvacuationBrakeResponse } from './plinth/v1/EvacuationBrakeResponse.js';
import type { EvacuationHost__Input as _plinth_v1_EvacuationHost__Input, EvacuationHost as _plinth_v1_EvacuationHost } from './plinth/v1/EvacuationHost.js';
import type { EvacuationRelocated__Input as _plinth_v1_EvacuationRelocated__Input, EvacuationRelocated as _plinth_v1_EvacuationRelocated } from './plinth/v1/EvacuationRelocated.js';
import type { EvacuationStatusRequest__Input as _plinth_v1_EvacuationStatusRequest__Input, EvacuationStatusRequest as _plinth_v1_EvacuationStatusRequest } from './plinth/v1/EvacuationStatusRequest.js';
import type { EvacuationStatusResponse__Input as _plinth_v1_EvacuationStatusResponse__Input, EvacuationStatusResponse as _plinth_v1_EvacuationStatusResponse } from './plinth/v1/EvacuationStatusResponse.js';
import type { EvacuationVmWait__Input as _plinth_v1_EvacuationVmWait__Input, EvacuationVmWait as _plinth_v1_EvacuationVmWait } from './plinth/v1/EvacuationVmWait.js';
import type { Event__Input as _plinth_v1_Event__Input, Event as _plinth_v1_Event } from './plinth/v1/Event.js';
import type { FenceAttempt__Input as _plinth_v1_FenceAttempt__Input, FenceAttempt as _plinth_v1_FenceAttempt } from './plinth/v1/FenceAttempt.js';
import type { FenceResponse__Input as _plinth_v1_FenceResponse__Input, FenceResponse as _plinth_v1_FenceResponse } from './plinth/v1/FenceResponse.js';
import type { GetHostRequest__Input as _plinth_v1_GetHostRequest__Input, GetHostRequest as _plinth_v1_GetHostRequest } from './plinth/v1/GetHostRequest.js';
import type { Heartbeat__Input as _plinth_v1_Heartbeat__Input, Heartbeat as _plinth_v1_Heartbeat } from './plinth/v1/Heartbeat.js';
import type { Hello__Input as _plinth_v1_Hello__Input, Hello as _plinth_v1_Hello } from './plinth/v1/Hello.js';
import type { HostDetail__Input as _plinth_v1_HostDetail__Input, HostDetail as _plinth_v1_HostDetail } from './plinth/v1/HostDetail.js';
import type { HostInventory__Input as _plinth_v1_HostInventory__Input, HostInventory as _plinth_v1_HostInventory } from './plinth/v1/HostInventory.js';
import type { HostMaintenanceRequest__Input as _plinth_v1_HostMaintenanceRequest__Input, HostMaintenanceRequest as _plinth_v1_HostMaintenanceRequest } from './plinth/v1/HostMaintenanceRequest.js';
import type { HostSummary__Input as _plinth_v1_HostSummary__Input, HostSummary as _plinth_v1_HostSummary } from './plinth/v1/HostSummary.js';
import type { LabelHostRequest__Input as _plinth_v1_LabelHostRequest__Input, LabelHostRequest as _plinth_v1_LabelHostRequest } from './plinth/v1/LabelHostRequest.js';
import type { ListEventsRequest__Input as _plinth_v1_ListEventsRequest__Input, ListEventsRequest as _plinth_v1_ListEventsRequest } from './plinth/v1/ListEventsRequest.js';
import type { ListEventsResponse__Input as _plinth_v1_ListEventsResponse__Input, ListEventsResponse as _plinth_v1_ListEventsResponse } from './plinth/v1/ListEventsResponse.js';
import type { ListHostsRequest__Input as _plinth_v1_ListHostsRequest__Input, ListHostsRequest as _plinth_v1_ListHostsRequest } from './plinth/v1/ListHostsRequest.js';
import type { ListHostsResponse__Input as _plinth_v1_ListHostsResponse__Input, ListHostsResponse as _plinth_v1_ListHostsResponse } from './plinth/v1/ListHostsResponse.js';
import type { ListVmsRequest__Input as _plinth_v1_ListVmsRequest__Input, ListVmsRequest as _plinth_v1_ListVmsRequest } from './plinth/v1/ListVmsRequest.js';
import type { ListVmsResponse__Input as _plinth_v1_ListVmsResponse__Input, ListVmsResponse as _plinth_v1_ListVmsResponse } from './plinth/v1/ListVmsResponse.js';
import type { MemoryInfo__Input as _plinth_v1_MemoryInfo__Input, MemoryInfo as _plinth_v1_MemoryInfo } from './plinth/v1/MemoryInfo.js';
import type { NicInfo__Input as _plinth_v1_NicInfo__Input, NicInfo as _plinth_v1_NicInfo } from './plinth/v1/NicInfo.js';
import type { NumaNode__Input as _plinth_v1_NumaNode__Input, NumaNode as _plinth_v1_NumaNode } from './plinth/v1/NumaNode.js';
import type { ObjectState__Input as _plinth_v1_ObjectState__Input, ObjectState as _plinth_v1_ObjectState } from './plinth/v1/ObjectState.js';
import type { OsInfo__Input as _plinth_v1_OsInfo__Input, OsInfo as _plinth_v1_OsInfo } from './plinth/v1/OsInfo.js';
import type { PlanVmResponse__Input as _plinth_v1_PlanVmResponse__Input, PlanVmResponse as _plinth_v1_PlanVmResponse } from './plinth/v1/PlanVmResponse.js';
import type { PowerRequest__Input as _plinth_v1_PowerRequest__Input, PowerRequest as _plinth_v1_PowerRequest } from './plinth/v1/PowerRequest.js';
import type { PowerResponse__Input as _plinth_v1_PowerResponse__Input, PowerResponse as _plinth_v1_PowerResponse } from './plinth/v1/PowerResponse.js';
import type { Resync__Input as _plinth_v1_Resync__Input, Resync as _plinth_v1_Resync } from './plinth/v1/Resync.js';
import type { RunCommandRequest__Input as _plinth_v1_RunCommandRequest__Input, RunCommandRequest as _plinth_v1_RunCommandRequest } from './plinth/v1/RunCommandRequest.js';
import type { SetBmcRequest__Input as _plinth_v1_SetBmcRequest__Input, SetBmcRequest as _plinth_v1_SetBmcRequest } from './plinth/v1/SetBmcRequest.js';
import type { SetDesiredRequest__Input as _plinth_v1_SetDesiredRequest__Input, SetDesiredRequest as _plinth_v1_SetDesiredRequest } from './plinth/v1/SetDesiredRequest.js';
import type { Snapshot__Input as _plinth_v1_Snapshot__Input, Snapshot as _plinth_v1_Snapshot } from './plinth/v1/Snapshot.js';
import type { SystemInfo__Input as _plinth_v1_SystemInfo__Input, SystemInfo as _plinth_v1_SystemInfo } from './plinth/v1/SystemInfo.js';
import type { Vm__Input as _plinth_v1_Vm__Input, Vm as _plinth_v1_Vm } from './plinth/v1/Vm.js';
import type { VmDetail__Input as _plinth_v1_VmDetail__Input, VmDetail as _plinth_v1_VmDetail } from './plinth/v1/VmDetail.js';
import type { VmHistoryEntry__Input as _plinth_v1_VmHistoryEntry__Input, VmHistoryEntry as _plinth_v1_VmHistoryEntry } from './plinth/v1/VmHistoryEntry.js';
import type { VmNameRequest__Input as _plinth_v1_VmNameRequest__Input, VmNameRequest as _plinth_v1_VmNameRequest } from './plinth/v1/VmNameRequest.js';
import type { VmPlacementResponse__Input as _plinth_v1_VmPlacementResponse__Input, VmPlacementResponse as _plinth_v1_VmPlacementResponse } from './plinth/v1/VmPlacementResponse.js';
import type { VmReason__Input as _plinth_v1_VmReason__Input, VmReason as _plinth_v1_VmReason } from './plinth/v1/VmReason.js';
import type { Welcome__Input as _plinth_v1_Welcome__Input, Welcome as _plinth_v1_Welcome } from './plinth/v1/Welcome.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  plinth: {
    v1: {
      Ack: MessageTypeDefinition<_plinth_v1_Ack__Input, _plinth_v1_Ack>
      Admin: SubtypeConstructor<typeof grpc.Client, _plinth_v1_AdminClient> & { service: _plinth_v1_AdminDefinition }
      AgentGateway: SubtypeConstructor<typeof grpc.Client, _plinth_v1_AgentGatewayClient> & { service: _plinth_v1_AgentGatewayDefinition }
      AgentMessage: MessageTypeDefinition<_plinth_v1_AgentMessage__Input, _plinth_v1_AgentMessage>
      ApplyPlanRequest: MessageTypeDefinition<_plinth_v1_ApplyPlanRequest__Input, _plinth_v1_ApplyPlanRequest>
      ApplyResult: MessageTypeDefinition<_plinth_v1_ApplyResult__Input, _plinth_v1_ApplyResult>
      BmcInfo: MessageTypeDefinition<_plinth_v1_BmcInfo__Input, _plinth_v1_BmcInfo>
      Command: MessageTypeDefinition<_plinth_v1_Command__Input, _plinth_v1_Command>
      CommandResult: MessageTypeDefinition<_plinth_v1_CommandResult__Input, _plinth_v1_CommandResult>
      Condition: MessageTypeDefinition<_plinth_v1_Condition__Input, _plinth_v1_Condition>
      ConfirmHostOffResponse: MessageTypeDefinition<_plinth_v1_ConfirmHostOffResponse__Input, _plinth_v1_ConfirmHostOffResponse>
      CoordinatorMessage: MessageTypeDefinition<_plinth_v1_CoordinatorMessage__Input, _plinth_v1_CoordinatorMessage>
      CordonHostRequest: MessageTypeDefinition<_plinth_v1_CordonHostRequest__Input, _plinth_v1_CordonHostRequest>
      CordonHostResponse: MessageTypeDefinition<_plinth_v1_CordonHostResponse__Input, _plinth_v1_CordonHostResponse>
      CpuInfo: MessageTypeDefinition<_plinth_v1_CpuInfo__Input, _plinth_v1_CpuInfo>
      CreateVmRequest: MessageTypeDefinition<_plinth_v1_CreateVmRequest__Input, _plinth_v1_CreateVmRequest>
      DeleteVmResponse: MessageTypeDefinition<_plinth_v1_DeleteVmResponse__Input, _plinth_v1_DeleteVmResponse>
      Delta: MessageTypeDefinition<_plinth_v1_Delta__Input, _plinth_v1_Delta>
      DeltaAck: MessageTypeDefinition<_plinth_v1_DeltaAck__Input, _plinth_v1_DeltaAck>
      Desired: MessageTypeDefinition<_plinth_v1_Desired__Input, _plinth_v1_Desired>
      DesiredState: MessageTypeDefinition<_plinth_v1_DesiredState__Input, _plinth_v1_DesiredState>
      DiskInfo: MessageTypeDefinition<_plinth_v1_DiskInfo__Input, _plinth_v1_DiskInfo>
      DrainHostRequest: MessageTypeDefinition<_plinth_v1_DrainHostRequest__Input, _plinth_v1_DrainHostRequest>
      DrainProgress: MessageTypeDefinition<_plinth_v1_DrainProgress__Input, _plinth_v1_DrainProgress>
      DrainResult: MessageTypeDefinition<_plinth_v1_DrainResult__Input, _plinth_v1_DrainResult>
      DrainUpdate: MessageTypeDefinition<_plinth_v1_DrainUpdate__Input, _plinth_v1_DrainUpdate>
      DriverStatus: MessageTypeDefinition<_plinth_v1_DriverStatus__Input, _plinth_v1_DriverStatus>
      EvacuationBrakeRequest: MessageTypeDefinition<_plinth_v1_EvacuationBrakeRequest__Input, _plinth_v1_EvacuationBrakeRequest>
      EvacuationBrakeResponse: MessageTypeDefinition<_plinth_v1_EvacuationBrakeResponse__Input, _plinth_v1_EvacuationBrakeResponse>
      EvacuationHost: MessageTypeDefinition<_plinth_v1_EvacuationHost__Input, _plinth_v1_EvacuationHost>
      EvacuationRelocated: MessageTypeDefinition<_plinth_v1_EvacuationRelocated__Input, _plinth_v1_EvacuationRelocated>
      EvacuationStatusRequest: MessageTypeDefinition<_plinth_v1_EvacuationStatusRequest__Input, _plinth_v1_EvacuationStatusRequest>
      EvacuationStatusResponse: MessageTypeDefinition<_plinth_v1_EvacuationStatusResponse__Input, _plinth_v1_EvacuationStatusResponse>
      EvacuationVmWait: MessageTypeDefinition<_plinth_v1_EvacuationVmWait__Input, _plinth_v1_EvacuationVmWait>
      Event: MessageTypeDefinition<_plinth_v1_Event__Input, _plinth_v1_Event>
      FenceAttempt: MessageTypeDefinition<_plinth_v1_FenceAttempt__Input, _plinth_v1_FenceAttempt>
      FenceResponse: MessageTypeDefinition<_plinth_v1_FenceResponse__Input, _plinth_v1_FenceResponse>
      GetHostRequest: MessageTypeDefinition<_plinth_v1_GetHostRequest__Input, _plinth_v1_GetHostRequest>
      Heartbeat: MessageTypeDefinition<_plinth_v1_Heartbeat__Input, _plinth_v1_Heartbeat>
      Hello: MessageTypeDefinition<_plinth_v1_Hello__Input, _plinth_v1_Hello>
      HostDetail: MessageTypeDefinition<_plinth_v1_HostDetail__Input, _plinth_v1_HostDetail>
      HostInventory: MessageTypeDefinition<_plinth_v1_HostInventory__Input, _plinth_v1_HostInventory>
      HostMaintenanceRequest: MessageTypeDefinition<_plinth_v1_HostMaintenanceRequest__Input, _plinth_v1_HostMaintenanceRequest>
      HostSummary: MessageTypeDefinition<_plinth_v1_HostSummary__Input, _plinth_v1_HostSummary>
      LabelHostRequest: MessageTypeDefinition<_plinth_v1_LabelHostRequest__Input, _plinth_v1_LabelHostRequest>
      ListEventsRequest: MessageTypeDefinition<_plinth_v1_ListEventsRequest__Input, _plinth_v1_ListEventsRequest>
      ListEventsResponse: MessageTypeDefinition<_plinth_v1_ListEventsResponse__Input, _plinth_v1_ListEventsResponse>
      ListHostsRequest: MessageTypeDefinition<_plinth_v1_ListHostsRequest__Input, _plinth_v1_ListHostsRequest>
      ListHostsResponse: MessageTypeDefinition<_plinth_v1_ListHostsResponse__Input, _plinth_v1_ListHostsResponse>
      ListVmsRequest: MessageTypeDefinition<_plinth_v1_ListVmsRequest__Input, _plinth_v1_ListVmsRequest>
      ListVmsResponse: MessageTypeDefinition<_plinth_v1_ListVmsResponse__Input, _plinth_v1_ListVmsResponse>
      MemoryInfo: MessageTypeDefinition<_plinth_v1_MemoryInfo__Input, _plinth_v1_MemoryInfo>
      NicInfo: MessageTypeDefinition<_plinth_v1_NicInfo__Input, _plinth_v1_NicInfo>
      NumaNode: MessageTypeDefinition<_plinth_v1_NumaNode__Input, _plinth_v1_NumaNode>
      ObjectState: MessageTypeDefinition<_plinth_v1_ObjectState__Input, _plinth_v1_ObjectState>
      OsInfo: MessageTypeDefinition<_plinth_v1_OsInfo__Input, _plinth_v1_OsInfo>
      PlanVmResponse: MessageTypeDefinition<_plinth_v1_PlanVmResponse__Input, _plinth_v1_PlanVmResponse>
      PowerRequest: MessageTypeDefinition<_plinth_v1_PowerRequest__Input, _plinth_v1_PowerRequest>
      PowerResponse: MessageTypeDefinition<_plinth_v1_PowerResponse__Input, _plinth_v1_PowerResponse>
      Resync: MessageTypeDefinition<_plinth_v1_Resync__Input, _plinth_v1_Resync>
      RunCommandRequest: MessageTypeDefinition<_plinth_v1_RunCommandRequest__Input, _plinth_v1_RunCommandRequest>
      SetBmcRequest: MessageTypeDefinition<_plinth_v1_SetBmcRequest__Input, _plinth_v1_SetBmcRequest>
      SetDesiredRequest: MessageTypeDefinition<_plinth_v1_SetDesiredRequest__Input, _plinth_v1_SetDesiredRequest>
      Snapshot: MessageTypeDefinition<_plinth_v1_Snapshot__Input, _plinth_v1_Snapshot>
      SystemInfo: MessageTypeDefinition<_plinth_v1_SystemInfo__Input, _plinth_v1_SystemInfo>
      Vm: MessageTypeDefinition<_plinth_v1_Vm__Input, _plinth_v1_Vm>
      VmDetail: MessageTypeDefinition<_plinth_v1_VmDetail__Input, _plinth_v1_VmDetail>
      VmHistoryEntry: MessageTypeDefinition<_plinth_v1_VmHistoryEntry__Input, _plinth_v1_VmHistoryEntry>
      VmNameRequest: MessageTypeDefinition<_plinth_v1_VmNameRequest__Input, _plinth_v1_VmNameRequest>
      VmPlacementResponse: MessageTypeDefinition<_plinth_v1_VmPlacementResponse__Input, _plinth_v1_VmPlacementResponse>
      VmReason: MessageTypeDefinition<_plinth_v1_VmReason__Input, _plinth_v1_VmReason>
      Welcome: MessageTypeDefinition<_plinth_v1_Welcome__Input, _plinth_v1_Welcome>
    }
  }
}

