// Original file: proto/plinth/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BmcInfo__Input as _plinth_v1_BmcInfo__Input, BmcInfo as _plinth_v1_BmcInfo } from '../../plinth/v1/BmcInfo.js';
import type { CommandResult__Input as _plinth_v1_CommandResult__Input, CommandResult as _plinth_v1_CommandResult } from '../../plinth/v1/CommandResult.js';
import type { DesiredState__Input as _plinth_v1_DesiredState__Input, DesiredState as _plinth_v1_DesiredState } from '../../plinth/v1/DesiredState.js';
import type { Event__Input as _plinth_v1_Event__Input, Event as _plinth_v1_Event } from '../../plinth/v1/Event.js';
import type { FenceResponse__Input as _plinth_v1_FenceResponse__Input, FenceResponse as _plinth_v1_FenceResponse } from '../../plinth/v1/FenceResponse.js';
import type { GetHostRequest__Input as _plinth_v1_GetHostRequest__Input, GetHostRequest as _plinth_v1_GetHostRequest } from '../../plinth/v1/GetHostRequest.js';
import type { HostDetail__Input as _plinth_v1_HostDetail__Input, HostDetail as _plinth_v1_HostDetail } from '../../plinth/v1/HostDetail.js';
import type { HostSummary__Input as _plinth_v1_HostSummary__Input, HostSummary as _plinth_v1_HostSummary } from '../../plinth/v1/HostSummary.js';
import type { LabelHostRequest__Input as _plinth_v1_LabelHostRequest__Input, LabelHostRequest as _plinth_v1_LabelHostRequest } from '../../plinth/v1/LabelHostRequest.js';
import type { ListEventsRequest__Input as _plinth_v1_ListEventsRequest__Input, ListEventsRequest as _plinth_v1_ListEventsRequest } from '../../plinth/v1/ListEventsRequest.js';
import type { ListEventsResponse__Input as _plinth_v1_ListEventsResponse__Input, ListEventsResponse as _plinth_v1_ListEventsResponse } from '../../plinth/v1/ListEventsResponse.js';
import type { ListHostsRequest__Input as _plinth_v1_ListHostsRequest__Input, ListHostsRequest as _plinth_v1_ListHostsRequest } from '../../plinth/v1/ListHostsRequest.js';
import type { ListHostsResponse__Input as _plinth_v1_ListHostsResponse__Input, ListHostsResponse as _plinth_v1_ListHostsResponse } from '../../plinth/v1/ListHostsResponse.js';
import type { PowerRequest__Input as _plinth_v1_PowerRequest__Input, PowerRequest as _plinth_v1_PowerRequest } from '../../plinth/v1/PowerRequest.js';
import type { PowerResponse__Input as _plinth_v1_PowerResponse__Input, PowerResponse as _plinth_v1_PowerResponse } from '../../plinth/v1/PowerResponse.js';
import type { RunCommandRequest__Input as _plinth_v1_RunCommandRequest__Input, RunCommandRequest as _plinth_v1_RunCommandRequest } from '../../plinth/v1/RunCommandRequest.js';
import type { SetBmcRequest__Input as _plinth_v1_SetBmcRequest__Input, SetBmcRequest as _plinth_v1_SetBmcRequest } from '../../plinth/v1/SetBmcRequest.js';
import type { SetDesiredRequest__Input as _plinth_v1_SetDesiredRequest__Input, SetDesiredRequest as _plinth_v1_SetDesiredRequest } from '../../plinth/v1/SetDesiredRequest.js';

export interface AdminClient extends grpc.Client {
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
  
  WatchEvents(argument: _plinth_v1_ListEventsRequest__Input, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_Event>;
  WatchEvents(argument: _plinth_v1_ListEventsRequest__Input, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_Event>;
  watchEvents(argument: _plinth_v1_ListEventsRequest__Input, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_Event>;
  watchEvents(argument: _plinth_v1_ListEventsRequest__Input, options?: grpc.CallOptions): grpc.ClientReadableStream<_plinth_v1_Event>;
  
}

export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  Fence: grpc.handleUnaryCall<_plinth_v1_GetHostRequest, _plinth_v1_FenceResponse__Input>;
  
  GetBmc: grpc.handleUnaryCall<_plinth_v1_GetHostRequest, _plinth_v1_BmcInfo__Input>;
  
  GetDesired: grpc.handleUnaryCall<_plinth_v1_GetHostRequest, _plinth_v1_DesiredState__Input>;
  
  GetHost: grpc.handleUnaryCall<_plinth_v1_GetHostRequest, _plinth_v1_HostDetail__Input>;
  
  LabelHost: grpc.handleUnaryCall<_plinth_v1_LabelHostRequest, _plinth_v1_HostSummary__Input>;
  
  ListEvents: grpc.handleUnaryCall<_plinth_v1_ListEventsRequest, _plinth_v1_ListEventsResponse__Input>;
  
  ListHosts: grpc.handleUnaryCall<_plinth_v1_ListHostsRequest, _plinth_v1_ListHostsResponse__Input>;
  
  Power: grpc.handleUnaryCall<_plinth_v1_PowerRequest, _plinth_v1_PowerResponse__Input>;
  
  RunCommand: grpc.handleUnaryCall<_plinth_v1_RunCommandRequest, _plinth_v1_CommandResult__Input>;
  
  SetBmc: grpc.handleUnaryCall<_plinth_v1_SetBmcRequest, _plinth_v1_BmcInfo__Input>;
  
  SetDesired: grpc.handleUnaryCall<_plinth_v1_SetDesiredRequest, _plinth_v1_DesiredState__Input>;
  
  WatchEvents: grpc.handleServerStreamingCall<_plinth_v1_ListEventsRequest, _plinth_v1_Event__Input>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  Fence: MethodDefinition<_plinth_v1_GetHostRequest__Input, _plinth_v1_FenceResponse__Input, _plinth_v1_GetHostRequest, _plinth_v1_FenceResponse>
  GetBmc: MethodDefinition<_plinth_v1_GetHostRequest__Input, _plinth_v1_BmcInfo__Input, _plinth_v1_GetHostRequest, _plinth_v1_BmcInfo>
  GetDesired: MethodDefinition<_plinth_v1_GetHostRequest__Input, _plinth_v1_DesiredState__Input, _plinth_v1_GetHostRequest, _plinth_v1_DesiredState>
  GetHost: MethodDefinition<_plinth_v1_GetHostRequest__Input, _plinth_v1_HostDetail__Input, _plinth_v1_GetHostRequest, _plinth_v1_HostDetail>
  LabelHost: MethodDefinition<_plinth_v1_LabelHostRequest__Input, _plinth_v1_HostSummary__Input, _plinth_v1_LabelHostRequest, _plinth_v1_HostSummary>
  ListEvents: MethodDefinition<_plinth_v1_ListEventsRequest__Input, _plinth_v1_ListEventsResponse__Input, _plinth_v1_ListEventsRequest, _plinth_v1_ListEventsResponse>
  ListHosts: MethodDefinition<_plinth_v1_ListHostsRequest__Input, _plinth_v1_ListHostsResponse__Input, _plinth_v1_ListHostsRequest, _plinth_v1_ListHostsResponse>
  Power: MethodDefinition<_plinth_v1_PowerRequest__Input, _plinth_v1_PowerResponse__Input, _plinth_v1_PowerRequest, _plinth_v1_PowerResponse>
  RunCommand: MethodDefinition<_plinth_v1_RunCommandRequest__Input, _plinth_v1_CommandResult__Input, _plinth_v1_RunCommandRequest, _plinth_v1_CommandResult>
  SetBmc: MethodDefinition<_plinth_v1_SetBmcRequest__Input, _plinth_v1_BmcInfo__Input, _plinth_v1_SetBmcRequest, _plinth_v1_BmcInfo>
  SetDesired: MethodDefinition<_plinth_v1_SetDesiredRequest__Input, _plinth_v1_DesiredState__Input, _plinth_v1_SetDesiredRequest, _plinth_v1_DesiredState>
  WatchEvents: MethodDefinition<_plinth_v1_ListEventsRequest__Input, _plinth_v1_Event__Input, _plinth_v1_ListEventsRequest, _plinth_v1_Event>
}
