// Original file: proto/plinth/v1/admin.proto


export interface SetBmcRequest__Input {
  'hostId'?: (string);
  'protocol'?: (string);
  'address'?: (string);
  'user'?: (string);
  'password'?: (string);
  'caPem'?: (string);
  'pinnedSha256'?: (string);
  'insecureSkipVerify'?: (boolean);
  'cipherSuite'?: (number);
}

export interface SetBmcRequest {
  'hostId': (string);
  'protocol': (string);
  'address': (string);
  'user': (string);
  'password': (string);
  'caPem': (string);
  'pinnedSha256': (string);
  'insecureSkipVerify': (boolean);
  'cipherSuite': (number);
}
