import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ErrorCodes, PlinthError } from './errors.js';
import type { Log } from './log.js';

export type Db = Database.Database;

/** Schema migrations: index i upgrades user_version i -> i+1. Never edit a released one. */
export type Migration = (db: Db) => void;

export interface OpenOptions {
  path: string;
  migrations: readonly Migration[];
  log: Log;
  /**
   * What to do with a database that fails its integrity check. The agent can
   * rebuild from observation, so it moves the file aside; the coordinator's store
   * is the cluster's record, so it refuses to start and says how to recover.
   */
  onCorrupt: 'move-aside' | 'refuse';
  now?: () => number;
}

function isCorruption(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return (
    code === 'SQLITE_CORRUPT' ||
    code === 'SQLITE_NOTADB' ||
    code.startsWith('SQLITE_CORRUPT') ||
    code.startsWith('SQLITE_IOERR_SHORT_READ')
  );
}

function tryOpen(path: string, migrations: readonly Migration[]): Db {
  const db = new Database(path, { timeout: 5000 });
  try {
    db.pragma('journal_mode = WAL');
    // better-sqlite3 leaves WAL at synchronous=NORMAL, which can lose the last
    // commits on power loss; whatever we acknowledge to a peer must survive it.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      const err = new Error(`integrity check failed: ${String(check)}`) as Error & { code: string };
      err.code = 'SQLITE_CORRUPT';
      throw err;
    }
    migrate(db, migrations);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function migrate(db: Db, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new PlinthError(
      ErrorCodes.STORE,
      `database schema version ${current} is newer than this plinth (${migrations.length}): run the newer plinth, or restore a backup`,
    );
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      migrations[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

export function openDatabase(opts: OpenOptions): Db {
  try {
    return tryOpen(opts.path, opts.migrations);
  } catch (e) {
    if (!isCorruption(e)) {
      if (e instanceof PlinthError) throw e;
      throw new PlinthError(
        ErrorCodes.STORE,
        `cannot open database ${opts.path}: ${(e as Error).message}`,
        undefined,
        { cause: e },
      );
    }
    if (opts.onCorrupt === 'refuse') {
      throw new PlinthError(
        ErrorCodes.STORE,
        `database ${opts.path} is corrupt (${(e as Error).message}); the coordinator will not start on it. Restore it from a backup, or move it aside to start empty (agents then resend their state).`,
      );
    }
    const aside = `${opts.path}.corrupt-${(opts.now ?? Date.now)()}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(opts.path + suffix)) renameSync(opts.path + suffix, aside + suffix);
    }
    opts.log.error(
      { path: opts.path, movedTo: aside, reason: (e as Error).message },
      'local database was corrupt: moved it aside and starting a fresh one; state will be rebuilt from observation and the coordinator',
    );
    return tryOpen(opts.path, opts.migrations);
  }
}
