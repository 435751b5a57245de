// Original file: proto/plinth/v1/admin.proto


export interface DriverStatus__Input {
  'name'?: (string);
  'health'?: (string);
  'code'?: (string);
  'message'?: (string);
}

export interface DriverStatus {
  'name': (string);
  'health': (string);
  'code': (string);
  'message': (string);
}
