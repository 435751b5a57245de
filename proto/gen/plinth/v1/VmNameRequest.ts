// Original file: proto/plinth/v1/admin.proto


export interface VmNameRequest__Input {
  'name'?: (string);
  'force'?: (boolean);
}

export interface VmNameRequest {
  'name': (string);
  'force': (boolean);
}
