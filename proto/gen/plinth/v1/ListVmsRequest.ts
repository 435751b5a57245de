// Original file: proto/plinth/v1/admin.proto


export interface ListVmsRequest__Input {
  'hostId'?: (string);
  'status'?: (string);
}

export interface ListVmsRequest {
  'hostId': (string);
  'status': (string);
}
