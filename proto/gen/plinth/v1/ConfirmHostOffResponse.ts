// Original file: proto/plinth/v1/admin.proto


export interface ConfirmHostOffResponse__Input {
  'hostId'?: (string);
  'by'?: (string);
  'message'?: (string);
}

export interface ConfirmHostOffResponse {
  'hostId': (string);
  'by': (string);
  'message': (string);
}
