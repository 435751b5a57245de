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
];
