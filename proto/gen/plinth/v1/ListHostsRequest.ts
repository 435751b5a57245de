// Original file: proto/plinth/v1/admin.proto


export interface ListHostsRequest__Input {
  'labels'?: ({[key: string]: string});
}

export interface ListHostsRequest {
  'labels': ({[key: string]: string});
}
