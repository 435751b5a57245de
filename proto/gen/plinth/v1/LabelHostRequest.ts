// Original file: proto/plinth/v1/admin.proto


export interface LabelHostRequest__Input {
  'id'?: (string);
  'set'?: ({[key: string]: string});
  'remove'?: (string)[];
}

export interface LabelHostRequest {
  'id': (string);
  'set': ({[key: string]: string});
  'remove': (string)[];
}
