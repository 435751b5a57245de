import { readFile } from 'node:fs/promises';
import { adminClient, call, type CliTarget } from '../coordinator/cli/admin-client.js';
import type { AdminClient } from '../proto/gen/plinth/v1/Admin.js';
import type { HostSummary } from '../proto/gen/plinth/v1/HostSummary.js';

/** A small Admin API handle for the lab and for tests (every call has a deadline). */
export interface LabAdmin {
  target: CliTarget;
  client: AdminClient;
  listHosts(): Promise<HostSummary[]>;
  /** Objects the coordinator holds for a host, data parsed. */
  objects(hostId: string): Promise<{ kind: string; id: string; data: Record<string, unknown> }[]>;
  getDesired(hostId: string): Promise<{ generation: number; spec: Record<string, unknown> }>;
  /** Replace the host's desired document; with expectGeneration, only if it is still that one. */
  setDesired(hostId: string, spec: unknown, expectGeneration?: number): Promise<number>;
  /** Read-modify-write of some top-level keys of a host's desired document (bounded retries). */
  mergeDesired(hostId: string, patch: Record<string, unknown>): Promise<number>;
  close(): void;
}

export async function labAdmin(target: CliTarget, timeoutMs = 10_000): Promise<LabAdmin> {
  const client = await adminClient(target);
  const a: LabAdmin = {
    target,
    client,
    async listHosts() {
      return (await call(client, target, 'ListHosts', {}, timeoutMs)).hosts;
    },
    async objects(hostId) {
      const d = await call(client, target, 'GetHost', { id: hostId }, timeoutMs);
      return d.objects.map((o) => ({
        kind: o.kind,
        id: o.id,
        data: JSON.parse(o.dataJson || '{}') as Record<string, unknown>,
      }));
    },
    async getDesired(hostId) {
      const d = await call(client, target, 'GetDesired', { id: hostId }, timeoutMs);
      return {
        generation: Number(d.generation),
        spec: JSON.parse(d.specJson || '{}') as Record<string, unknown>,
      };
    },
    async setDesired(hostId, spec, expectGeneration) {
      const d = await call(
        client,
        target,
        'SetDesired',
        { id: hostId, specJson: JSON.stringify(spec), expectGeneration: expectGeneration ?? 0 },
        timeoutMs,
      );
      return Number(d.generation);
    },
    async mergeDesired(hostId, patch) {
      let last: unknown;
      for (let i = 0; i < 5; i++) {
        const cur = await a.getDesired(hostId);
        const next = { ...cur.spec, ...patch };
        if (JSON.stringify(next) === JSON.stringify(cur.spec)) return cur.generation;
        try {
          return await a.setDesired(hostId, next, cur.generation);
        } catch (e) {
          last = e; // someone else wrote in between: read again
        }
      }
      throw last;
    },
    close: () => client.close(),
  };
  return a;
}

export async function setBmc(
  admin: LabAdmin,
  hostId: string,
  address: string,
  user: string,
  passwordFile: string,
): Promise<void> {
  const password = (await readFile(passwordFile, 'utf8')).trim();
  await call(admin.client, admin.target, 'SetBmc', {
    hostId,
    protocol: 'ipmi',
    address,
    user,
    password,
    caPem: '',
    pinnedSha256: '',
    insecureSkipVerify: false,
    cipherSuite: 3,
  });
}
