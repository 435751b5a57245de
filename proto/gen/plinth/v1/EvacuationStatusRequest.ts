// Original file: proto/plinth/v1/admin.proto


export interface EvacuationStatusRequest__Input {
}

export interface EvacuationStatusRequest {
}
