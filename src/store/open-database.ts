import Database from 'better-sqlite3';

/**
 * Opens a SQLite file the way every durable bbsim database is opened: WAL, synchronous FULL (a
 * commit is on disk before it is reported: a killed process or a power cut loses nothing
 * committed; in WAL mode one fsync per transaction), a busy timeout, then the caller's pragmas and
 * migrations. Closed again when any of that fails.
 */
export function openDurableDatabase(path: string, setup: (db: Database.Database) => void): Database.Database {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 10000');
    setup(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
