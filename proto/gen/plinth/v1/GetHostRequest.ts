// Original file: proto/plinth/v1/admin.proto


export interface GetHostRequest__Input {
  'id'?: (string);
}

export interface GetHostRequest {
  'id': (string);
}
