// Original file: proto/plinth/v1/agent.proto


export interface ObjectState__Input {
  'kind'?: (string);
  'id'?: (string);
  'dataJson'?: (string);
  'deleted'?: (boolean);
}

export interface ObjectState {
  'kind': (string);
  'id': (string);
  'dataJson': (string);
  'deleted': (boolean);
}
