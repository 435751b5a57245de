import type { Migration } from '../../lib/sqlite.js';

/** Index i upgrades schema i -> i+1. Append only; never edit a released migration. */
export const coordinatorMigrations: readonly Migration[] = [
  (db) => {
    db.exec(`
      CREATE TABLE hosts (
        id TEXT PRIMARY KEY,
        labels TEXT NOT NULL DEFAULT '{}',
        inventory TEXT NOT NULL DEFAULT '{}',
        version TEXT NOT NULL DEFAULT '',
        incarnation TEXT NOT NULL DEFAULT '',
        acked_seq INTEGER NOT NULL DEFAULT 0,
        applied_generation INTEGER NOT NULL DEFAULT 0,
        applied_results TEXT NOT NULL DEFAULT '[]',
        first_seen_ms INTEGER NOT NULL,
        last_hello_ms INTEGER NOT NULL,
        last_state TEXT NOT NULL DEFAULT 'unknown',
        state_since_ms INTEGER NOT NULL
      );
      CREATE TABLE objects (
        host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (host_id, kind, id)
      );
      CREATE TABLE desired (
        host_id TEXT PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
        generation INTEGER NOT NULL,
        spec TEXT NOT NULL,
        updated_ms INTEGER NOT NULL
      );
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        host_id TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        type TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        object_kind TEXT NOT NULL DEFAULT '',
        object_id TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX events_by_host ON events (host_id, id);
    `);
  },
  (db) => {
    // BMC access per host; `secret` is AES-256-GCM ciphertext (coordinator/fencing/credentials.ts).
    db.exec(`
      CREATE TABLE bmc (
        host_id TEXT PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
        protocol TEXT NOT NULL CHECK (protocol IN ('ipmi', 'redfish')),
        address TEXT NOT NULL,
        user TEXT NOT NULL,
        secret TEXT NOT NULL,
        ca_pem TEXT NOT NULL DEFAULT '',
        pinned_sha256 TEXT NOT NULL DEFAULT '',
        insecure INTEGER NOT NULL DEFAULT 0,
        cipher_suite INTEGER NOT NULL DEFAULT 3,
        updated_ms INTEGER NOT NULL
      );
    `);
  },
  (db) => {
    // Placement and the VM lifecycle (issue 9) and fencing tokens (issue 10).
    // vms.fence_token is the epoch of the VM's current assignment; it only grows
    // (from meta.next_fence_token) and is sent to the agent with the assignment.
    db.exec(`
      CREATE TABLE vms (
        name TEXT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        spec TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        host_id TEXT,
        power TEXT NOT NULL DEFAULT 'running',
        fence_token INTEGER NOT NULL DEFAULT 0,
        flags TEXT NOT NULL DEFAULT '[]',
        placement TEXT NOT NULL DEFAULT '',
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      );
      CREATE INDEX vms_by_host ON vms (host_id);
      CREATE TABLE claims (
        vm_name TEXT PRIMARY KEY,
        host_id TEXT NOT NULL,
        vcpus INTEGER NOT NULL,
        memory_mib INTEGER NOT NULL,
        group_name TEXT NOT NULL DEFAULT '',
        created_ms INTEGER NOT NULL
      );
      CREATE INDEX claims_by_host ON claims (host_id);
      CREATE TABLE vm_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        vm_name TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        status TEXT NOT NULL,
        host_id TEXT NOT NULL DEFAULT '',
        message TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX vm_history_by_vm ON vm_history (vm_name, id);
      CREATE TABLE host_sched (
        host_id TEXT PRIMARY KEY,
        cordoned INTEGER NOT NULL DEFAULT 0,
        maintenance TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        updated_ms INTEGER NOT NULL
      );
      CREATE TABLE plans (
        token TEXT PRIMARY KEY,
        request TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL
      );
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `);
  },
  (db) => {
    // The VM service (issue 9): the operator's base desired document per host (the
    // composed document with the VMs' domains goes to `desired`), the generation that
    // first carried each VM's current entry, the host a VM is being moved off, and
    // drains in progress (so a restarted coordinator resumes or reports them).
    db.exec(`
      CREATE TABLE desired_base (
        host_id TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        updated_ms INTEGER NOT NULL
      );
      ALTER TABLE vms ADD COLUMN desired_generation INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE vms ADD COLUMN move_from TEXT NOT NULL DEFAULT '';
      CREATE INDEX vms_by_status ON vms (status);
      CREATE TABLE drains (
        host_id TEXT PRIMARY KEY,
        purpose TEXT NOT NULL CHECK (purpose IN ('drain', 'maintenance')),
        deadline_ms INTEGER NOT NULL,
        parallel INTEGER NOT NULL,
        started_ms INTEGER NOT NULL
      );
    `);
  },
  (db) => {
    // Nothing reads claims by host: the engine loads them all at start and keeps
    // them in memory. The index cost a random leaf page per placement in every
    // commit (8x the WAL bytes of a 100-placement batch, 262 -> 33 KB).
    db.exec('DROP INDEX IF EXISTS claims_by_host');
  },
];
