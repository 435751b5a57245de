// Original file: proto/plinth/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentMessage__Input as _plinth_v1_AgentMessage__Input, AgentMessage as _plinth_v1_AgentMessage } from '../../plinth/v1/AgentMessage.js';
import type { CoordinatorMessage__Input as _plinth_v1_CoordinatorMessage__Input, CoordinatorMessage as _plinth_v1_CoordinatorMessage } from '../../plinth/v1/CoordinatorMessage.js';

export interface AgentGatewayClient extends grpc.Client {
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_plinth_v1_AgentMessage__Input, _plinth_v1_CoordinatorMessage>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_plinth_v1_AgentMessage__Input, _plinth_v1_CoordinatorMessage>;
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_plinth_v1_AgentMessage__Input, _plinth_v1_CoordinatorMessage>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_plinth_v1_AgentMessage__Input, _plinth_v1_CoordinatorMessage>;
  
}

export interface AgentGatewayHandlers extends grpc.UntypedServiceImplementation {
  Connect: grpc.handleBidiStreamingCall<_plinth_v1_AgentMessage, _plinth_v1_CoordinatorMessage__Input>;
  
}

export interface AgentGatewayDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_plinth_v1_AgentMessage__Input, _plinth_v1_CoordinatorMessage__Input, _plinth_v1_AgentMessage, _plinth_v1_CoordinatorMessage>
}
