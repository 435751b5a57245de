import type { ErrorCode } from '../../lib/errors.js';

/**
 * A host's BMC as the coordinator knows it. Credentials live only here (decrypted from
 * the store for the duration of one operation) and are never sent to an agent.
 */
export type BmcTarget =
  | {
      protocol: 'ipmi';
      host: string;
      /** UDP port, default 623. */
      port?: number;
      user: string;
      password: string;
      /** ipmitool -C (default 3). */
      cipherSuite?: number;
    }
  | {
      protocol: 'redfish';
      /** https://HOST[:PORT] */
      url: string;
      user: string;
      password: string;
      /** PEM of the CA (or self-signed certificate) of the BMC. */
      caPem?: string;
      /** SHA-256 fingerprint of the BMC certificate. */
      pinnedSha256?: string;
      /** Accept any certificate: explicit, and logged as a warning on every client creation. */
      insecureSkipVerify?: boolean;
      /** ComputerSystem id; default: the first member of /redfish/v1/Systems. */
      systemId?: string;
    };

/** `on`/`off`, or a Redfish transition that has not finished yet. */
export type PowerReading = 'on' | 'off' | 'powering-on' | 'powering-off';

export interface PowerActionResult {
  /** The BMC said the system was already in the requested state (Redfish 409 + read-back). */
  alreadyInState: boolean;
}

export interface BmcPowerClient {
  /** e.g. 'ipmi 10.0.0.5:623 as admin' — never a secret. */
  readonly describe: string;
  powerStatus(signal?: AbortSignal): Promise<PowerReading>;
  powerOn(signal?: AbortSignal): Promise<PowerActionResult>;
  powerOff(signal?: AbortSignal): Promise<PowerActionResult>;
  /** Off-then-on; powers on a host that is off. */
  powerCycle(signal?: AbortSignal): Promise<PowerActionResult>;
  close(): Promise<void>;
}

export interface FenceAttempt {
  /** 1-based round (a round = one power-off command and its read-back). */
  round: number;
  action: 'status' | 'power-off' | 'read-back';
  ok: boolean;
  powerState?: PowerReading;
  /** Power-off answered "already in that state". */
  alreadyOff?: boolean;
  code?: ErrorCode;
  message?: string;
  /** Milliseconds since the fence started. */
  atMs: number;
  durationMs: number;
}

export interface FenceOutcome {
  ok: boolean;
  /** The host was off before we asked (no power-off was needed, or the BMC said so). */
  alreadyOff: boolean;
  powerState: PowerReading | 'unknown';
  attempts: FenceAttempt[];
  elapsedMs: number;
  /** On failure: PLINTH_E_BMC_AUTH, PLINTH_E_FENCE_FAILED, ... */
  code?: ErrorCode;
  message: string;
}
