import {
  startRedfishTestServer,
  type RedfishServerOptions,
  type RedfishTestServer,
} from '../redfish-server/server.js';
import type { RfSensorSpec } from '../redfish-server/model.js';

/**
 * The Redfish test server (test/redfish-server/) for integration tests and benchmarks:
 * in-process HTTPS on 127.0.0.1 with an ephemeral port and a CA generated per run.
 * No emulator binary is needed, so it never skips.
 */
export type { RedfishTestServer, RfSensorSpec };

export async function startRedfish(opts: RedfishServerOptions): Promise<RedfishTestServer> {
  return startRedfishTestServer(opts);
}
