// Original file: proto/plinth/v1/admin.proto


export interface DeleteVmResponse__Input {
  'name'?: (string);
  'message'?: (string);
}

export interface DeleteVmResponse {
  'name': (string);
  'message': (string);
}
