// Original file: proto/plinth/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ApplyPlanRequest__Input as _plinth_v1_ApplyPlanRequest__Input, ApplyPlanRequest as _plinth_v1_ApplyPlanRequest } from '../../plinth/v1/ApplyPlanRequest.js';
import type { BmcInfo__Input as _plinth_v1_BmcInfo__Input, BmcInfo as _plinth_v1_BmcInfo } from '../../plinth/v1/BmcInfo.js';
import type { CommandResult__Input as _plinth_v1_CommandResult__Input, CommandResult as _plinth_v1_CommandResult } from '../../plinth/v1/CommandResult.js';
import type { ConfirmHostOffResponse__Input as _plinth_v1_ConfirmHostOffResponse__Input, ConfirmHostOffResponse as _plinth_v1_ConfirmHostOffResponse } from '../../plinth/v1/ConfirmHostOffResponse.js';
import type { CordonHostRequest__Input as _plinth_v1_CordonHostRequest__Input, CordonHostRequest as _plinth_v1_CordonHostRequest } from '../../plinth/v1/CordonHostRequest.js';
import type { CordonHostResponse__Input as _plinth_v1_CordonHostResponse__Input, CordonHostResponse as _plinth_v1_CordonHostResponse } from '../../plinth/v1/CordonHostResponse.js';
import type { CreateVmRequest__Input as _plinth_v1_CreateVmRequest__Input, CreateVmRequest as _plinth_v1_CreateVmRequest } from '../../plinth/v1/CreateVmRequest.js';
import type { DeleteVmResponse__Input as _plinth_v1_DeleteVmResponse__Input, DeleteVmResponse as _plinth_v1_DeleteVmResponse } from '../../plinth/v1/DeleteVmResponse.js';
import type { DesiredState__Input as _plinth_v1_DesiredState__Input, DesiredState as _plinth_v1_DesiredState } from '../../plinth/v1/DesiredState.js';
import type { DrainHostRequest__Input as _plinth_v1_DrainHostRequest__Input, DrainHostRequest as _plinth_v1_DrainHostRequest } from '../../plinth/v1/DrainHostRequest.js';
import type { DrainUpdate__Input as _plinth_v1_DrainUpdate__Input, DrainUpdate as _plinth_v1_DrainUpdate } from '../../plinth/v1/DrainUpdate.js';
import type { EvacuationBrakeRequest__Input as _plinth_v1_EvacuationBrakeRequest__Input, EvacuationBrakeRequest as _plinth_v1_EvacuationBrakeRequest } from '../../plinth/v1/EvacuationBrakeRequest.js';
import type { EvacuationBrakeResponse__Input as _plinth_v1_EvacuationBrakeResponse__Input, EvacuationBrakeResponse as _plinth_v1_EvacuationBrakeResponse } from '../../plinth/v1/EvacuationBrakeResponse.js';
import type { EvacuationStatusRequest__Input as _plinth_v1_EvacuationStatusRequest__Input, EvacuationStatusRequest as _plinth_v1_EvacuationStatusRequest } from '../../plinth/v1/EvacuationStatusRequest.js';
import type { EvacuationStatusResponse__Input as _plinth_v1_EvacuationStatusResponse__Input, EvacuationStatusResponse as _plinth_v1_EvacuationStatusResponse } from '../../plinth/v1/EvacuationStatusResponse.js';
import type { Event__Input as _plinth_v1_Event__Input, Event as _plinth_v1_Event } from '../../plinth/v1/Event.js';
import type { FenceResponse__Input as _plinth_v1_FenceResponse__Input, FenceResponse as _plinth_v1_FenceResponse } from '../../plinth/v1/FenceResponse.js';
import type { GetHostRequest__Input as _plinth_v1_GetHostRequest__Input, GetHostRequest as _plinth_v1_GetHostRequest } from '../../plinth/v1/GetHostRequest.js';
import type { HostDetail__Input as _plinth_v1_HostDetail__Input, HostDetail as _plinth_v1_HostDetail } from '../../plinth/v1/HostDetail.js';
import type { HostMaintenanceRequest__Input as _plinth_v1_HostMaintenanceRequest__Input, HostMaintenanceRequest as _plinth_v1_HostMaintenanceRequest } from '../../plinth/v1/HostMaintenanceRequest.js';
import type { HostSummary__Input as _plinth_v1_HostSummary__Input, HostSummary as _plinth_v1_HostSummary } from '../../plinth/v1/HostSummary.js';
import type { LabelHostRequest__Input as _plinth_v1_LabelHostRequest__Input, LabelHostRequest as _plinth_v1_LabelHostRequest } from '../../plinth/v1/LabelHostRequest.js';
import type { ListEventsRequest__Input as _plinth_v1_ListEventsRequest__Input, ListEventsRequest as _plinth_v1_ListEventsRequest } from '../../plinth/v1/ListEventsRequest.js';
import type { ListEventsResponse__Input as _plinth_v1_ListEventsResponse__Input, ListEventsResponse as _plinth_v1_ListEventsResponse } from '../../plinth/v1/ListEventsResponse.js';
import type { ListHostsRequest__Input as _plinth_v1_ListHostsRequest__Input, ListHostsRequest as _plinth_v1_ListHostsRequest } from '../../plinth/v1/ListHostsRequest.js';
import type { ListHostsResponse__Input as _plinth_v1_ListHostsResponse__Input, ListHostsResponse as _plinth_v1_ListHostsResponse } from '../../plinth/v1/ListHostsResponse.js';
import type { ListVmsRequest__Input as _plinth_v1_ListVmsRequest__Input, ListVmsRequest as _plinth_v1_ListVmsRequest } from '../../plinth/v1/ListVmsRequest.js';
import type { ListVmsResponse__Input as _plinth_v1_ListVmsResponse__Input, ListVmsResponse as _plinth_v1_ListVmsResponse } from '../../plinth/v1/ListVmsResponse.js';
import type { PlanVmResponse__Input as _plinth_v1_PlanVmResponse__Input, PlanVmResponse as _plinth_v1_PlanVmResponse } from '../../plinth/v1/PlanVmResponse.js';
import type { PowerRequest__Input as _plinth_v1_PowerRequest__Input, PowerRequest as _plinth_v1_PowerRequest } from '../../plinth/v1/PowerRequest.js';
import type { PowerResponse__Input as _plinth_v1_PowerResponse__Input, PowerResponse as _plinth_v1_PowerResponse } from '../../plinth/v1/PowerResponse.js';
import type { RunCommandRequest__Input as _plinth_v1_RunCommandRequest__Input, RunCommandRequest as _plinth_v1_RunCommandRequest } from '../../plinth/v1/RunCommandRequest.js';
import type { SetBmcRequest__Input as _plinth_v1_SetBmcRequest__Input, SetBmcRequest as _plinth_v1_SetBmcRequest } from '../../plinth/v1/SetBmcRequest.js';
import type { SetDesiredRequest__Input as _plinth_v1_SetDesiredRequest__Input, SetDesiredRequest as _plinth_v1_SetDesiredRequest } from '../../plinth/v1/SetDesiredRequest.js';
import type { Vm__Input as _plinth_v1_Vm__Input, Vm as _plinth_v1_Vm } from '../../plinth/v1/Vm.js';
import type { VmDetail__Input as _plinth_v1_VmDetail__Input, VmDetail as _plinth_v1_VmDetail } from '../../plinth/v1/VmDetail.js';
import type { VmNameRequest__Input as _plinth_v1_VmNameRequest__Input, VmNameRequest as _plinth_v1_VmNameRequest } from '../../plinth/v1/VmNameRequest.js';
import type { VmPlacementResponse__Input as _plinth_v1_VmPlacementResponse__Input, VmPlacementResponse as _plinth_v1_VmPlacementResponse } from '../../plinth/v1/VmPlacementResponse.js';

export interface AdminClient extends grpc.Client {
  ApplyPlan(argument: _plinth_v1_ApplyPlanRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  ApplyPlan(argument: _plinth_v1_ApplyPlanRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  ApplyPlan(argument: _plinth_v1_ApplyPlanRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  ApplyPlan(argument: _plinth_v1_ApplyPlanRequest__Input, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  applyPlan(argument: _plinth_v1_ApplyPlanRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  applyPlan(argument: _plinth_v1_ApplyPlanRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  applyPlan(argument: _plinth_v1_ApplyPlanRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  applyPlan(argument: _plinth_v1_ApplyPlanRequest__Input, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  
  ConfirmHostOff(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ConfirmHostOffResponse>): grpc.ClientUnaryCall;
  ConfirmHostOff(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_ConfirmHostOffResponse>): grpc.ClientUnaryCall;
  ConfirmHostOff(argument: _plinth_v1_GetHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ConfirmHostOffResponse>): grpc.ClientUnaryCall;
  ConfirmHostOff(argument: _plinth_v1_GetHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_ConfirmHostOffResponse>): grpc.ClientUnaryCall;
  confirmHostOff(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ConfirmHostOffResponse>): grpc.ClientUnaryCall;
  confirmHostOff(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_ConfirmHostOffResponse>): grpc.ClientUnaryCall;
  confirmHostOff(argument: _plinth_v1_GetHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ConfirmHostOffResponse>): grpc.ClientUnaryCall;
  confirmHostOff(argument: _plinth_v1_GetHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_ConfirmHostOffResponse>): grpc.ClientUnaryCall;
  
  CordonHost(argument: _plinth_v1_CordonHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_CordonHostResponse>): grpc.ClientUnaryCall;
  CordonHost(argument: _plinth_v1_CordonHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_CordonHostResponse>): grpc.ClientUnaryCall;
  CordonHost(argument: _plinth_v1_CordonHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_CordonHostResponse>): grpc.ClientUnaryCall;
  CordonHost(argument: _plinth_v1_CordonHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_CordonHostResponse>): grpc.ClientUnaryCall;
  cordonHost(argument: _plinth_v1_CordonHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_CordonHostResponse>): grpc.ClientUnaryCall;
  cordonHost(argument: _plinth_v1_CordonHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_CordonHostResponse>): grpc.ClientUnaryCall;
  cordonHost(argument: _plinth_v1_CordonHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_CordonHostResponse>): grpc.ClientUnaryCall;
  cordonHost(argument: _plinth_v1_CordonHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_CordonHostResponse>): grpc.ClientUnaryCall;
  
  CreateVm(argument: _plinth_v1_CreateVmRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  CreateVm(argument: _plinth_v1_CreateVmRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  CreateVm(argument: _plinth_v1_CreateVmRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  CreateVm(argument: _plinth_v1_CreateVmRequest__Input, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  createVm(argument: _plinth_v1_CreateVmRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  createVm(argument: _plinth_v1_CreateVmRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  createVm(argument: _plinth_v1_CreateVmRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  createVm(argument: _plinth_v1_CreateVmRequest__Input, callback: grpc.requestCallback<_plinth_v1_VmPlacementResponse>): grpc.ClientUnaryCall;
  
  DeleteVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DeleteVmResponse>): grpc.ClientUnaryCall;
  DeleteVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_DeleteVmResponse>): grpc.ClientUnaryCall;
  DeleteVm(argument: _plinth_v1_VmNameRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DeleteVmResponse>): grpc.ClientUnaryCall;
  DeleteVm(argument: _plinth_v1_VmNameRequest__Input, callback: grpc.requestCallback<_plinth_v1_DeleteVmResponse>): grpc.ClientUnaryCall;
  deleteVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DeleteVmResponse>): grpc.ClientUnaryCall;
  deleteVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_DeleteVmResponse>): grpc.ClientUnaryCall;
  deleteVm(argument: _plinth_v1_VmNameRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DeleteVmResponse>): grpc.ClientUnaryCall;
  deleteVm(argument: _plinth_v1_VmNameRequest__Input, callback: grpc.requestCallback<_plinth_v1_DeleteVmResponse>): grpc.ClientUnaryCall;
  
  DrainHost(argument: _plinth_v1_DrainHostRequest__Input, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_DrainUpdate>;
  DrainHost(argument: _plinth_v1_DrainHostRequest__Input, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_DrainUpdate>;
  drainHost(argument: _plinth_v1_DrainHostRequest__Input, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_DrainUpdate>;
  drainHost(argument: _plinth_v1_DrainHostRequest__Input, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_DrainUpdate>;
  
  EvacuationBrake(argument: _plinth_v1_EvacuationBrakeRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_EvacuationBrakeResponse>): grpc.ClientUnaryCall;
  EvacuationBrake(argument: _plinth_v1_EvacuationBrakeRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_EvacuationBrakeResponse>): grpc.ClientUnaryCall;
  EvacuationBrake(argument: _plinth_v1_EvacuationBrakeRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_EvacuationBrakeResponse>): grpc.ClientUnaryCall;
  EvacuationBrake(argument: _plinth_v1_EvacuationBrakeRequest__Input, callback: grpc.requestCallback<_plinth_v1_EvacuationBrakeResponse>): grpc.ClientUnaryCall;
  evacuationBrake(argument: _plinth_v1_EvacuationBrakeRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_EvacuationBrakeResponse>): grpc.ClientUnaryCall;
  evacuationBrake(argument: _plinth_v1_EvacuationBrakeRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_EvacuationBrakeResponse>): grpc.ClientUnaryCall;
  evacuationBrake(argument: _plinth_v1_EvacuationBrakeRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_EvacuationBrakeResponse>): grpc.ClientUnaryCall;
  evacuationBrake(argument: _plinth_v1_EvacuationBrakeRequest__Input, callback: grpc.requestCallback<_plinth_v1_EvacuationBrakeResponse>): grpc.ClientUnaryCall;
  
  EvacuationStatus(argument: _plinth_v1_EvacuationStatusRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_EvacuationStatusResponse>): grpc.ClientUnaryCall;
  EvacuationStatus(argument: _plinth_v1_EvacuationStatusRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_EvacuationStatusResponse>): grpc.ClientUnaryCall;
  EvacuationStatus(argument: _plinth_v1_EvacuationStatusRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_EvacuationStatusResponse>): grpc.ClientUnaryCall;
  EvacuationStatus(argument: _plinth_v1_EvacuationStatusRequest__Input, callback: grpc.requestCallback<_plinth_v1_EvacuationStatusResponse>): grpc.ClientUnaryCall;
  evacuationStatus(argument: _plinth_v1_EvacuationStatusRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_EvacuationStatusResponse>): grpc.ClientUnaryCall;
  evacuationStatus(argument: _plinth_v1_EvacuationStatusRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_EvacuationStatusResponse>): grpc.ClientUnaryCall;
  evacuationStatus(argument: _plinth_v1_EvacuationStatusRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_EvacuationStatusResponse>): grpc.ClientUnaryCall;
  evacuationStatus(argument: _plinth_v1_EvacuationStatusRequest__Input, callback: grpc.requestCallback<_plinth_v1_EvacuationStatusResponse>): grpc.ClientUnaryCall;
  
  Fence(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_FenceResponse>): grpc.ClientUnaryCall;
  Fence(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_FenceResponse>): grpc.ClientUnaryCall;
  Fence(argument: _plinth_v1_GetHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_FenceResponse>): grpc.ClientUnaryCall;
  Fence(argument: _plinth_v1_GetHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_FenceResponse>): grpc.ClientUnaryCall;
  fence(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_FenceResponse>): grpc.ClientUnaryCall;
  fence(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_FenceResponse>): grpc.ClientUnaryCall;
  fence(argument: _plinth_v1_GetHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_FenceResponse>): grpc.ClientUnaryCall;
  fence(argument: _plinth_v1_GetHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_FenceResponse>): grpc.ClientUnaryCall;
  
  GetBmc(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  GetBmc(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  GetBmc(argument: _plinth_v1_GetHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  GetBmc(argument: _plinth_v1_GetHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  getBmc(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  getBmc(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  getBmc(argument: _plinth_v1_GetHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  getBmc(argument: _plinth_v1_GetHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  
  GetDesired(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  GetDesired(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  GetDesired(argument: _plinth_v1_GetHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  GetDesired(argument: _plinth_v1_GetHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  getDesired(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  getDesired(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  getDesired(argument: _plinth_v1_GetHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  getDesired(argument: _plinth_v1_GetHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  
  GetHost(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_HostDetail>): grpc.ClientUnaryCall;
  GetHost(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_HostDetail>): grpc.ClientUnaryCall;
  GetHost(argument: _plinth_v1_GetHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_HostDetail>): grpc.ClientUnaryCall;
  GetHost(argument: _plinth_v1_GetHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_HostDetail>): grpc.ClientUnaryCall;
  getHost(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_HostDetail>): grpc.ClientUnaryCall;
  getHost(argument: _plinth_v1_GetHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_HostDetail>): grpc.ClientUnaryCall;
  getHost(argument: _plinth_v1_GetHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_HostDetail>): grpc.ClientUnaryCall;
  getHost(argument: _plinth_v1_GetHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_HostDetail>): grpc.ClientUnaryCall;
  
  GetVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmDetail>): grpc.ClientUnaryCall;
  GetVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_VmDetail>): grpc.ClientUnaryCall;
  GetVm(argument: _plinth_v1_VmNameRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmDetail>): grpc.ClientUnaryCall;
  GetVm(argument: _plinth_v1_VmNameRequest__Input, callback: grpc.requestCallback<_plinth_v1_VmDetail>): grpc.ClientUnaryCall;
  getVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmDetail>): grpc.ClientUnaryCall;
  getVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_VmDetail>): grpc.ClientUnaryCall;
  getVm(argument: _plinth_v1_VmNameRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_VmDetail>): grpc.ClientUnaryCall;
  getVm(argument: _plinth_v1_VmNameRequest__Input, callback: grpc.requestCallback<_plinth_v1_VmDetail>): grpc.ClientUnaryCall;
  
  HostMaintenance(argument: _plinth_v1_HostMaintenanceRequest__Input, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_DrainUpdate>;
  HostMaintenance(argument: _plinth_v1_HostMaintenanceRequest__Input, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_DrainUpdate>;
  hostMaintenance(argument: _plinth_v1_HostMaintenanceRequest__Input, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_DrainUpdate>;
  hostMaintenance(argument: _plinth_v1_HostMaintenanceRequest__Input, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_DrainUpdate>;
  
  LabelHost(argument: _plinth_v1_LabelHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_HostSummary>): grpc.ClientUnaryCall;
  LabelHost(argument: _plinth_v1_LabelHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_HostSummary>): grpc.ClientUnaryCall;
  LabelHost(argument: _plinth_v1_LabelHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_HostSummary>): grpc.ClientUnaryCall;
  LabelHost(argument: _plinth_v1_LabelHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_HostSummary>): grpc.ClientUnaryCall;
  labelHost(argument: _plinth_v1_LabelHostRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_HostSummary>): grpc.ClientUnaryCall;
  labelHost(argument: _plinth_v1_LabelHostRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_HostSummary>): grpc.ClientUnaryCall;
  labelHost(argument: _plinth_v1_LabelHostRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_HostSummary>): grpc.ClientUnaryCall;
  labelHost(argument: _plinth_v1_LabelHostRequest__Input, callback: grpc.requestCallback<_plinth_v1_HostSummary>): grpc.ClientUnaryCall;
  
  ListEvents(argument: _plinth_v1_ListEventsRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListEventsResponse>): grpc.ClientUnaryCall;
  ListEvents(argument: _plinth_v1_ListEventsRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_ListEventsResponse>): grpc.ClientUnaryCall;
  ListEvents(argument: _plinth_v1_ListEventsRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListEventsResponse>): grpc.ClientUnaryCall;
  ListEvents(argument: _plinth_v1_ListEventsRequest__Input, callback: grpc.requestCallback<_plinth_v1_ListEventsResponse>): grpc.ClientUnaryCall;
  listEvents(argument: _plinth_v1_ListEventsRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListEventsResponse>): grpc.ClientUnaryCall;
  listEvents(argument: _plinth_v1_ListEventsRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_ListEventsResponse>): grpc.ClientUnaryCall;
  listEvents(argument: _plinth_v1_ListEventsRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListEventsResponse>): grpc.ClientUnaryCall;
  listEvents(argument: _plinth_v1_ListEventsRequest__Input, callback: grpc.requestCallback<_plinth_v1_ListEventsResponse>): grpc.ClientUnaryCall;
  
  ListHosts(argument: _plinth_v1_ListHostsRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListHostsResponse>): grpc.ClientUnaryCall;
  ListHosts(argument: _plinth_v1_ListHostsRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_ListHostsResponse>): grpc.ClientUnaryCall;
  ListHosts(argument: _plinth_v1_ListHostsRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListHostsResponse>): grpc.ClientUnaryCall;
  ListHosts(argument: _plinth_v1_ListHostsRequest__Input, callback: grpc.requestCallback<_plinth_v1_ListHostsResponse>): grpc.ClientUnaryCall;
  listHosts(argument: _plinth_v1_ListHostsRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListHostsResponse>): grpc.ClientUnaryCall;
  listHosts(argument: _plinth_v1_ListHostsRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_ListHostsResponse>): grpc.ClientUnaryCall;
  listHosts(argument: _plinth_v1_ListHostsRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListHostsResponse>): grpc.ClientUnaryCall;
  listHosts(argument: _plinth_v1_ListHostsRequest__Input, callback: grpc.requestCallback<_plinth_v1_ListHostsResponse>): grpc.ClientUnaryCall;
  
  ListVms(argument: _plinth_v1_ListVmsRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListVmsResponse>): grpc.ClientUnaryCall;
  ListVms(argument: _plinth_v1_ListVmsRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_ListVmsResponse>): grpc.ClientUnaryCall;
  ListVms(argument: _plinth_v1_ListVmsRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListVmsResponse>): grpc.ClientUnaryCall;
  ListVms(argument: _plinth_v1_ListVmsRequest__Input, callback: grpc.requestCallback<_plinth_v1_ListVmsResponse>): grpc.ClientUnaryCall;
  listVms(argument: _plinth_v1_ListVmsRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListVmsResponse>): grpc.ClientUnaryCall;
  listVms(argument: _plinth_v1_ListVmsRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_ListVmsResponse>): grpc.ClientUnaryCall;
  listVms(argument: _plinth_v1_ListVmsRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_ListVmsResponse>): grpc.ClientUnaryCall;
  listVms(argument: _plinth_v1_ListVmsRequest__Input, callback: grpc.requestCallback<_plinth_v1_ListVmsResponse>): grpc.ClientUnaryCall;
  
  PlanVm(argument: _plinth_v1_CreateVmRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_PlanVmResponse>): grpc.ClientUnaryCall;
  PlanVm(argument: _plinth_v1_CreateVmRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_PlanVmResponse>): grpc.ClientUnaryCall;
  PlanVm(argument: _plinth_v1_CreateVmRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_PlanVmResponse>): grpc.ClientUnaryCall;
  PlanVm(argument: _plinth_v1_CreateVmRequest__Input, callback: grpc.requestCallback<_plinth_v1_PlanVmResponse>): grpc.ClientUnaryCall;
  planVm(argument: _plinth_v1_CreateVmRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_PlanVmResponse>): grpc.ClientUnaryCall;
  planVm(argument: _plinth_v1_CreateVmRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_PlanVmResponse>): grpc.ClientUnaryCall;
  planVm(argument: _plinth_v1_CreateVmRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_PlanVmResponse>): grpc.ClientUnaryCall;
  planVm(argument: _plinth_v1_CreateVmRequest__Input, callback: grpc.requestCallback<_plinth_v1_PlanVmResponse>): grpc.ClientUnaryCall;
  
  Power(argument: _plinth_v1_PowerRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_PowerResponse>): grpc.ClientUnaryCall;
  Power(argument: _plinth_v1_PowerRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_PowerResponse>): grpc.ClientUnaryCall;
  Power(argument: _plinth_v1_PowerRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_PowerResponse>): grpc.ClientUnaryCall;
  Power(argument: _plinth_v1_PowerRequest__Input, callback: grpc.requestCallback<_plinth_v1_PowerResponse>): grpc.ClientUnaryCall;
  power(argument: _plinth_v1_PowerRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_PowerResponse>): grpc.ClientUnaryCall;
  power(argument: _plinth_v1_PowerRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_PowerResponse>): grpc.ClientUnaryCall;
  power(argument: _plinth_v1_PowerRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_PowerResponse>): grpc.ClientUnaryCall;
  power(argument: _plinth_v1_PowerRequest__Input, callback: grpc.requestCallback<_plinth_v1_PowerResponse>): grpc.ClientUnaryCall;
  
  RunCommand(argument: _plinth_v1_RunCommandRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_CommandResult>): grpc.ClientUnaryCall;
  RunCommand(argument: _plinth_v1_RunCommandRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_CommandResult>): grpc.ClientUnaryCall;
  RunCommand(argument: _plinth_v1_RunCommandRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_CommandResult>): grpc.ClientUnaryCall;
  RunCommand(argument: _plinth_v1_RunCommandRequest__Input, callback: grpc.requestCallback<_plinth_v1_CommandResult>): grpc.ClientUnaryCall;
  runCommand(argument: _plinth_v1_RunCommandRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_CommandResult>): grpc.ClientUnaryCall;
  runCommand(argument: _plinth_v1_RunCommandRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_CommandResult>): grpc.ClientUnaryCall;
  runCommand(argument: _plinth_v1_RunCommandRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_CommandResult>): grpc.ClientUnaryCall;
  runCommand(argument: _plinth_v1_RunCommandRequest__Input, callback: grpc.requestCallback<_plinth_v1_CommandResult>): grpc.ClientUnaryCall;
  
  SetBmc(argument: _plinth_v1_SetBmcRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  SetBmc(argument: _plinth_v1_SetBmcRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  SetBmc(argument: _plinth_v1_SetBmcRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  SetBmc(argument: _plinth_v1_SetBmcRequest__Input, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  setBmc(argument: _plinth_v1_SetBmcRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  setBmc(argument: _plinth_v1_SetBmcRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  setBmc(argument: _plinth_v1_SetBmcRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  setBmc(argument: _plinth_v1_SetBmcRequest__Input, callback: grpc.requestCallback<_plinth_v1_BmcInfo>): grpc.ClientUnaryCall;
  
  SetDesired(argument: _plinth_v1_SetDesiredRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  SetDesired(argument: _plinth_v1_SetDesiredRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  SetDesired(argument: _plinth_v1_SetDesiredRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  SetDesired(argument: _plinth_v1_SetDesiredRequest__Input, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  setDesired(argument: _plinth_v1_SetDesiredRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  setDesired(argument: _plinth_v1_SetDesiredRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  setDesired(argument: _plinth_v1_SetDesiredRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  setDesired(argument: _plinth_v1_SetDesiredRequest__Input, callback: grpc.requestCallback<_plinth_v1_DesiredState>): grpc.ClientUnaryCall;
  
  StartVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  StartVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  StartVm(argument: _plinth_v1_VmNameRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  StartVm(argument: _plinth_v1_VmNameRequest__Input, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  startVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  startVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  startVm(argument: _plinth_v1_VmNameRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  startVm(argument: _plinth_v1_VmNameRequest__Input, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  
  StopVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  StopVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  StopVm(argument: _plinth_v1_VmNameRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  StopVm(argument: _plinth_v1_VmNameRequest__Input, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  stopVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  stopVm(argument: _plinth_v1_VmNameRequest__Input, metadata: grpc.Metadata, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  stopVm(argument: _plinth_v1_VmNameRequest__Input, options: grpc.CallOptions, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  stopVm(argument: _plinth_v1_VmNameRequest__Input, callback: grpc.requestCallback<_plinth_v1_Vm>): grpc.ClientUnaryCall;
  
  WatchEvents(argument: _plinth_v1_ListEventsRequest__Input, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_Event>;
  WatchEvents(argument: _plinth_v1_ListEventsRequest__Input, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_Event>;
  watchEvents(argument: _plinth_v1_ListEventsRequest__Input, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_Event>;
  watchEvents(argument: _plinth_v1_ListEventsRequest__Input, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_Event>;
  
}

export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  ApplyPlan: grpc.handleUnaryCall<_plinth_v1_ApplyPlanRequest, _plinth_v1_VmPlacementResponse__Input>;
  
  ConfirmHostOff: grpc.handleUnaryCall<_plinth_v1_GetHostRequest, _plinth_v1_ConfirmHostOffResponse__Input>;
  
  CordonHost: grpc.handleUnaryCall<_plinth_v1_CordonHostRequest, _plinth_v1_CordonHostResponse__Input>;
  
  CreateVm: grpc.handleUnaryCall<_plinth_v1_CreateVmRequest, _plinth_v1_VmPlacementResponse__Input>;
  
  DeleteVm: grpc.handleUnaryCall<_plinth_v1_VmNameRequest, _plinth_v1_DeleteVmResponse__Input>;
  
  DrainHost: grpc.handleServerStreamingCall<_plinth_v1_DrainHostRequest, _plinth_v1_DrainUpdate__Input>;
  
  EvacuationBrake: grpc.handleUnaryCall<_plinth_v1_EvacuationBrakeRequest, _plinth_v1_EvacuationBrakeResponse__Input>;
  
  EvacuationStatus: grpc.handleUnaryCall<_plinth_v1_EvacuationStatusRequest, _plinth_v1_EvacuationStatusResponse__Input>;
  
  Fence: grpc.handleUnaryCall<_plinth_v1_GetHostRequest, _plinth_v1_FenceResponse__Input>;
  
  GetBmc: grpc.handleUnaryCall<_plinth_v1_GetHostRequest, _plinth_v1_BmcInfo__Input>;
  
  GetDesired: grpc.handleUnaryCall<_plinth_v1_GetHostRequest, _plinth_v1_DesiredState__Input>;
  
  GetHost: grpc.handleUnaryCall<_plinth_v1_GetHostRequest, _plinth_v1_HostDetail__Input>;
  
  GetVm: grpc.handleUnaryCall<_plinth_v1_VmNameRequest, _plinth_v1_VmDetail__Input>;
  
  HostMaintenance: grpc.handleServerStreamingCall<_plinth_v1_HostMaintenanceRequest, _plinth_v1_DrainUpdate__Input>;
  
  LabelHost: grpc.handleUnaryCall<_plinth_v1_LabelHostRequest, _plinth_v1_HostSummary__Input>;
  
  ListEvents: grpc.handleUnaryCall<_plinth_v1_ListEventsRequest, _plinth_v1_ListEventsResponse__Input>;
  
  ListHosts: grpc.handleUnaryCall<_plinth_v1_ListHostsRequest, _plinth_v1_ListHostsResponse__Input>;
  
  ListVms: grpc.handleUnaryCall<_plinth_v1_ListVmsRequest, _plinth_v1_ListVmsResponse__Input>;
  
  PlanVm: grpc.handleUnaryCall<_plinth_v1_CreateVmRequest, _plinth_v1_PlanVmResponse__Input>;
  
  Power: grpc.handleUnaryCall<_plinth_v1_PowerRequest, _plinth_v1_PowerResponse__Input>;
  
  RunCommand: grpc.handleUnaryCall<_plinth_v1_RunCommandRequest, _plinth_v1_CommandResult__Input>;
  
  SetBmc: grpc.handleUnaryCall<_plinth_v1_SetBmcRequest, _plinth_v1_BmcInfo__Input>;
  
  SetDesired: grpc.handleUnaryCall<_plinth_v1_SetDesiredRequest, _plinth_v1_DesiredState__Input>;
  
  StartVm: grpc.handleUnaryCall<_plinth_v1_VmNameRequest, _plinth_v1_Vm__Input>;
  
  StopVm: grpc.handleUnaryCall<_plinth_v1_VmNameRequest, _plinth_v1_Vm__Input>;
  
  WatchEvents: grpc.handleServerStreamingCall<_plinth_v1_ListEventsRequest, _plinth_v1_Event__Input>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  ApplyPlan: MethodDefinition<_plinth_v1_ApplyPlanRequest__Input, _plinth_v1_VmPlacementResponse__Input, _plinth_v1_ApplyPlanRequest, _plinth_v1_VmPlacementResponse>
  ConfirmHostOff: MethodDefinition<_plinth_v1_GetHostRequest__Input, _plinth_v1_ConfirmHostOffResponse__Input, _plinth_v1_GetHostRequest, _plinth_v1_ConfirmHostOffResponse>
  CordonHost: MethodDefinition<_plinth_v1_CordonHostRequest__Input, _plinth_v1_CordonHostResponse__Input, _plinth_v1_CordonHostRequest, _plinth_v1_CordonHostResponse>
  CreateVm: MethodDefinition<_plinth_v1_CreateVmRequest__Input, _plinth_v1_VmPlacementResponse__Input, _plinth_v1_CreateVmRequest, _plinth_v1_VmPlacementResponse>
  DeleteVm: MethodDefinition<_plinth_v1_VmNameRequest__Input, _plinth_v1_DeleteVmResponse__Input, _plinth_v1_VmNameRequest, _plinth_v1_DeleteVmResponse>
  DrainHost: MethodDefinition<_plinth_v1_DrainHostRequest__Input, _plinth_v1_DrainUpdate__Input, _plinth_v1_DrainHostRequest, _plinth_v1_DrainUpdate>
  EvacuationBrake: MethodDefinition<_plinth_v1_EvacuationBrakeRequest__Input, _plinth_v1_EvacuationBrakeResponse__Input, _plinth_v1_EvacuationBrakeRequest, _plinth_v1_EvacuationBrakeResponse>
  EvacuationStatus: MethodDefinition<_plinth_v1_EvacuationStatusRequest__Input, _plinth_v1_EvacuationStatusResponse__Input, _plinth_v1_EvacuationStatusRequest, _plinth_v1_EvacuationStatusResponse>
  Fence: MethodDefinition<_plinth_v1_GetHostRequest__Input, _plinth_v1_FenceResponse__Input, _plinth_v1_GetHostRequest, _plinth_v1_FenceResponse>
  GetBmc: MethodDefinition<_plinth_v1_GetHostRequest__Input, _plinth_v1_BmcInfo__Input, _plinth_v1_GetHostRequest, _plinth_v1_BmcInfo>
  GetDesired: MethodDefinition<_plinth_v1_GetHostRequest__Input, _plinth_v1_DesiredState__Input, _plinth_v1_GetHostRequest, _plinth_v1_DesiredState>
  GetHost: MethodDefinition<_plinth_v1_GetHostRequest__Input, _plinth_v1_HostDetail__Input, _plinth_v1_GetHostRequest, _plinth_v1_HostDetail>
  GetVm: MethodDefinition<_plinth_v1_VmNameRequest__Input, _plinth_v1_VmDetail__Input, _plinth_v1_VmNameRequest, _plinth_v1_VmDetail>
  HostMaintenance: MethodDefinition<_plinth_v1_HostMaintenanceRequest__Input, _plinth_v1_DrainUpdate__Input, _plinth_v1_HostMaintenanceRequest, _plinth_v1_DrainUpdate>
  LabelHost: MethodDefinition<_plinth_v1_LabelHostRequest__Input, _plinth_v1_HostSummary__Input, _plinth_v1_LabelHostRequest, _plinth_v1_HostSummary>
  ListEvents: MethodDefinition<_plinth_v1_ListEventsRequest__Input, _plinth_v1_ListEventsResponse__Input, _plinth_v1_ListEventsRequest, _plinth_v1_ListEventsResponse>
  ListHosts: MethodDefinition<_plinth_v1_ListHostsRequest__Input, _plinth_v1_ListHostsResponse__Input, _plinth_v1_ListHostsRequest, _plinth_v1_ListHostsResponse>
  ListVms: MethodDefinition<_plinth_v1_ListVmsRequest__Input, _plinth_v1_ListVmsResponse__Input, _plinth_v1_ListVmsRequest, _plinth_v1_ListVmsResponse>
  PlanVm: MethodDefinition<_plinth_v1_CreateVmRequest__Input, _plinth_v1_PlanVmResponse__Input, _plinth_v1_CreateVmRequest, _plinth_v1_PlanVmResponse>
  Power: MethodDefinition<_plinth_v1_PowerRequest__Input, _plinth_v1_PowerResponse__Input, _plinth_v1_PowerRequest, _plinth_v1_PowerResponse>
  RunCommand: MethodDefinition<_plinth_v1_RunCommandRequest__Input, _plinth_v1_CommandResult__Input, _plinth_v1_RunCommandRequest, _plinth_v1_CommandResult>
  SetBmc: MethodDefinition<_plinth_v1_SetBmcRequest__Input, _plinth_v1_BmcInfo__Input, _plinth_v1_SetBmcRequest, _plinth_v1_BmcInfo>
  SetDesired: MethodDefinition<_plinth_v1_SetDesiredRequest__Input, _plinth_v1_DesiredState__Input, _plinth_v1_SetDesiredRequest, _plinth_v1_DesiredState>
  StartVm: MethodDefinition<_plinth_v1_VmNameRequest__Input, _plinth_v1_Vm__Input, _plinth_v1_VmNameRequest, _plinth_v1_Vm>
  StopVm: MethodDefinition<_plinth_v1_VmNameRequest__Input, _plinth_v1_Vm__Input, _plinth_v1_VmNameRequest, _plinth_v1_Vm>
  WatchEvents: MethodDefinition<_plinth_v1_ListEventsRequest__Input, _plinth_v1_Event__Input, _plinth_v1_ListEventsRequest, _plinth_v1_Event>
}
