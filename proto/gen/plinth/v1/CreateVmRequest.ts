// Original file: proto/plinth/v1/admin.proto


export interface CreateVmRequest__Input {
  'specJson'?: (string);
}

export interface CreateVmRequest {
  'specJson': (string);
}
