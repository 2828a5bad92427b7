import type Database from 'better-sqlite3';

/** One schema step; its version is its position in MIGRATIONS plus one. */
export interface Migration {
  readonly name: string;
  readonly sql: string;
}

/**
 * The schema history, oldest first. Never edit a step that has shipped: append a new one, because
 * databases already at that version will not run it again.
 *
 * Instants are simulated epoch ms. Those derived from the parking rate or the notification spacing
 * can be fractional; SQLite keeps such values as REAL in the INTEGER columns, losslessly.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'initial schema',
    sql: `
      -- One row per POST of a batch (every attempt of a BatchID).
      CREATE TABLE deliveries (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        batch_id      TEXT    NOT NULL,
        afnemer_oin   TEXT    NOT NULL,
        attempt       INTEGER NOT NULL,
        format        TEXT    NOT NULL CHECK (format IN ('xml', 'json')),
        received_at   INTEGER NOT NULL,
        aanmaak_datum INTEGER,
        letters       INTEGER NOT NULL,
        -- JSON {code: n} of the final codes, so processing and status need not re-read every result.
        counts        TEXT    NOT NULL,
        park_start    INTEGER NOT NULL,
        park_end      INTEGER NOT NULL,
        park_interval REAL    NOT NULL,
        process_at    INTEGER NOT NULL,
        processed_at  INTEGER,
        UNIQUE (afnemer_oin, batch_id, attempt)
      );
      CREATE INDEX deliveries_pending ON deliveries (process_at) WHERE processed_at IS NULL;
      CREATE INDEX deliveries_park_end ON deliveries (park_end);

      -- Only letters whose final code is Verwerkt: the burger's inbox and the duplicate check.
      CREATE TABLE letters (
        bericht_id       TEXT    PRIMARY KEY,
        delivery_id      INTEGER NOT NULL REFERENCES deliveries (id),
        seq              INTEGER NOT NULL,
        afnemer_oin      TEXT    NOT NULL,
        bsn              TEXT    NOT NULL,
        bericht_type     TEXT    NOT NULL,
        onderwerp        TEXT    NOT NULL,
        tekst            TEXT    NOT NULL,
        referentie       TEXT,
        publicatie_datum INTEGER,
        eind_datum       INTEGER,
        parked_at        INTEGER NOT NULL,
        processed_at     INTEGER NOT NULL,
        bijlagen         INTEGER NOT NULL DEFAULT 0,
        read_at          INTEGER,
        deleted_at       INTEGER
      );
      CREATE INDEX letters_inbox ON letters (bsn, processed_at);
      CREATE INDEX letters_delivery ON letters (delivery_id, seq);

      CREATE TABLE bijlagen (
        bericht_id   TEXT    NOT NULL REFERENCES letters (bericht_id),
        volgorde     INTEGER NOT NULL,
        omschrijving TEXT    NOT NULL,
        bytes        INTEGER NOT NULL,
        sha256       TEXT    NOT NULL,
        content      BLOB,
        PRIMARY KEY (bericht_id, volgorde)
      );

      -- One row per letter of every delivery: the body of its verwerkingsbericht.
      CREATE TABLE results (
        delivery_id  INTEGER NOT NULL REFERENCES deliveries (id),
        seq          INTEGER NOT NULL,
        bericht_id   TEXT    NOT NULL,
        bericht_type TEXT    NOT NULL,
        code         TEXT    NOT NULL,
        toelichting  TEXT    NOT NULL,
        PRIMARY KEY (delivery_id, seq)
      ) WITHOUT ROWID;

      -- The id is the afnemer's paging cursor, hence AUTOINCREMENT (never reused).
      CREATE TABLE verwerkingsberichten (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id      INTEGER NOT NULL UNIQUE REFERENCES deliveries (id),
        afnemer_oin      TEXT    NOT NULL,
        created_at       INTEGER NOT NULL,
        first_offered_at INTEGER,
        acknowledged_at  INTEGER
      );
      CREATE INDEX verwerkingsberichten_pending ON verwerkingsberichten (afnemer_oin, id) WHERE acknowledged_at IS NULL;

      -- Day keys are computed when enqueuing (the store has no calendar of its own).
      CREATE TABLE notifications (
        id           INTEGER PRIMARY KEY,
        bericht_id   TEXT    NOT NULL,
        bsn          TEXT    NOT NULL,
        afnemer_oin  TEXT    NOT NULL,
        enqueued_at  INTEGER NOT NULL,
        notify_at    INTEGER NOT NULL,
        enqueued_day TEXT    NOT NULL,
        notify_day   TEXT    NOT NULL
      );
      CREATE INDEX notifications_notify_at ON notifications (notify_at);

      -- afnemer_oin '' is the global counter.
      CREATE TABLE counters (
        kind        TEXT    NOT NULL,
        bucket      TEXT    NOT NULL,
        afnemer_oin TEXT    NOT NULL DEFAULT '',
        name        TEXT    NOT NULL,
        count       INTEGER NOT NULL,
        PRIMARY KEY (kind, bucket, afnemer_oin, name)
      ) WITHOUT ROWID;

      -- Planner state and cached summaries, JSON values.
      CREATE TABLE state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Running totals, so the status figures never scan the (large) history.
      CREATE TABLE totals (
        id                     INTEGER PRIMARY KEY CHECK (id = 1),
        deliveries             INTEGER NOT NULL DEFAULT 0,
        deliveries_pending     INTEGER NOT NULL DEFAULT 0,
        letters_admitted       INTEGER NOT NULL DEFAULT 0,
        max_processing_delay   REAL    NOT NULL DEFAULT 0,
        max_parking_delay      REAL    NOT NULL DEFAULT 0,
        notifications_enqueued INTEGER NOT NULL DEFAULT 0
      );
      INSERT INTO totals (id) VALUES (1);
    `,
  },
  {
    // Notifications per sim hour and calendar day, enqueued (demand) and planned (notify_at), kept as
    // counters so /status reads the busiest window without scanning every notification.
    name: 'notification window counters',
    sql: `
      INSERT INTO counters (kind, bucket, afnemer_oin, name, count)
        SELECT 'notif-enqueued-hour', CAST(CAST(enqueued_at / 3600000 AS INTEGER) AS TEXT), '', 'notifications', count(*) FROM notifications GROUP BY 2;
      INSERT INTO counters (kind, bucket, afnemer_oin, name, count)
        SELECT 'notif-enqueued-day', enqueued_day, '', 'notifications', count(*) FROM notifications GROUP BY 2;
      INSERT INTO counters (kind, bucket, afnemer_oin, name, count)
        SELECT 'notif-sent-hour', CAST(CAST(notify_at / 3600000 AS INTEGER) AS TEXT), '', 'notifications', count(*) FROM notifications GROUP BY 2;
      INSERT INTO counters (kind, bucket, afnemer_oin, name, count)
        SELECT 'notif-sent-day', notify_day, '', 'notifications', count(*) FROM notifications GROUP BY 2;
    `,
  },
  {
    // BerichtID unique per afnemer, as the real service most likely keys it (the afnemer makes the
    // GUID; BerichtBestaatAl is its own duplicate). A global key told an afnemer that another one
    // already used a BerichtID. Letters and their attachments are re-keyed by (afnemer_oin,
    // bericht_id); rowids are kept (the inbox orders by them). bijlagen (which referenced
    // letters) is dropped first, so the rebuild holds under foreign_keys = ON.
    name: 'BerichtID unique per afnemer',
    sql: `
      CREATE TABLE letters_per_afnemer (
        bericht_id       TEXT    NOT NULL,
        delivery_id      INTEGER NOT NULL REFERENCES deliveries (id),
        seq              INTEGER NOT NULL,
        afnemer_oin      TEXT    NOT NULL,
        bsn              TEXT    NOT NULL,
        bericht_type     TEXT    NOT NULL,
        onderwerp        TEXT    NOT NULL,
        tekst            TEXT    NOT NULL,
        referentie       TEXT,
        publicatie_datum INTEGER,
        eind_datum       INTEGER,
        parked_at        INTEGER NOT NULL,
        processed_at     INTEGER NOT NULL,
        bijlagen         INTEGER NOT NULL DEFAULT 0,
        read_at          INTEGER,
        deleted_at       INTEGER,
        PRIMARY KEY (afnemer_oin, bericht_id)
      );
      INSERT INTO letters_per_afnemer (rowid, bericht_id, delivery_id, seq, afnemer_oin, bsn, bericht_type, onderwerp, tekst, referentie,
                                       publicatie_datum, eind_datum, parked_at, processed_at, bijlagen, read_at, deleted_at)
        SELECT rowid, bericht_id, delivery_id, seq, afnemer_oin, bsn, bericht_type, onderwerp, tekst, referentie,
               publicatie_datum, eind_datum, parked_at, processed_at, bijlagen, read_at, deleted_at FROM letters;
      CREATE TABLE bijlagen_per_afnemer (
        afnemer_oin  TEXT    NOT NULL,
        bericht_id   TEXT    NOT NULL,
        volgorde     INTEGER NOT NULL,
        omschrijving TEXT    NOT NULL,
        bytes        INTEGER NOT NULL,
        sha256       TEXT    NOT NULL,
        content      BLOB,
        PRIMARY KEY (afnemer_oin, bericht_id, volgorde)
      );
      INSERT INTO bijlagen_per_afnemer (afnemer_oin, bericht_id, volgorde, omschrijving, bytes, sha256, content)
        SELECT l.afnemer_oin, b.bericht_id, b.volgorde, b.omschrijving, b.bytes, b.sha256, b.content FROM bijlagen b JOIN letters l ON l.bericht_id = b.bericht_id;
      DROP TABLE bijlagen;
      DROP TABLE letters;
      ALTER TABLE letters_per_afnemer RENAME TO letters;
      ALTER TABLE bijlagen_per_afnemer RENAME TO bijlagen;
      CREATE INDEX letters_inbox ON letters (bsn, processed_at);
      CREATE INDEX letters_delivery ON letters (delivery_id, seq);
      CREATE INDEX letters_bericht_id ON letters (bericht_id);
    `,
  },
  {
    // Attachment content stored once per SHA-256: bulk deliveries repeat the same PDFs (a leaflet, a
    // form), and storing each copy made 1,000,000 letters 24.3 GB (about 24 KB a letter, mostly PDF).
    // \`stored\` keeps whether this letter's content was kept (intake.storeAttachmentContent), so a
    // letter delivered without content does not show another letter's copy of the same bytes.
    // Existing copies move into the new table; the old column is emptied (VACUUM returns the space).
    name: 'content-addressed attachment storage',
    sql: `
      CREATE TABLE attachment_contents (
        sha256  TEXT    PRIMARY KEY,
        bytes   INTEGER NOT NULL,
        content BLOB    NOT NULL
      ) WITHOUT ROWID;
      ALTER TABLE bijlagen ADD COLUMN stored INTEGER NOT NULL DEFAULT 0;
      INSERT OR IGNORE INTO attachment_contents (sha256, bytes, content)
        SELECT sha256, length(content), content FROM bijlagen WHERE content IS NOT NULL;
      UPDATE bijlagen SET stored = 1, content = NULL WHERE content IS NOT NULL;
    `,
  },
  {
    name: 'shared subscription requests and transient values',
    sql: `
      -- The Abonnementservice's requests (the same table as PostgreSQL's; one process also keeps
      -- them in memory, the store's contract is the same). DigiD's transient values are shared only
      -- on PostgreSQL (one process keeps them in memory), so SQLite has no table for them.
      CREATE TABLE subscriptions (
        key      TEXT PRIMARY KEY,
        kind     TEXT NOT NULL,
        info     TEXT NOT NULL,
        bsns     BLOB,
        ready_at REAL NOT NULL
      );
      CREATE INDEX subscriptions_ready_at ON subscriptions (ready_at);
      INSERT OR IGNORE INTO state (key, value) VALUES ('subscriptions', 'null');
    `,
  },
  {
    // The inbox's count (GET /api/v1/berichten: total) reads every visible letter of a burger; with
    // deleted_at and publicatie_datum only in the table that was a row lookup per letter: 2.5 ms for
    // a 2,500-letter inbox in a 2.5-million-letter file (a peak day's evening), 180 µs from this
    // index alone. It replaces (bsn, processed_at): the list scans it in the same order and sorts
    // only ties on processed_at by rowid (25 → 34 µs a page of 20).
    name: 'inbox index covering the visibility rule',
    sql: `
      DROP INDEX letters_inbox;
      CREATE INDEX letters_inbox_visible ON letters (bsn, processed_at, deleted_at, publicatie_datum);
    `,
  },
  {
    // One random-GUID index fewer for every letter stored. The key (afnemer_oin, bericht_id) and the
    // burger's lookup index (bericht_id) were two B-trees keyed by the afnemer's random GUIDs: once
    // larger than the page cache, each of a batch's 1,000 letters dirties its own leaf page in both,
    // and every dirtied page is written to the WAL at commit and again at the checkpoint. One unique
    // index (bericht_id, afnemer_oin) is both the per-afnemer key and the burger's lookup (measured
    // on 1,000,000 letters in batches of 1,000: 88 → 56 ms a commit). Rowids are kept (the inbox
    // orders by them); the indexes are rebuilt on the new table.
    name: 'letters keyed by BerichtID first',
    sql: `
      CREATE TABLE letters_keyed (
        bericht_id       TEXT    NOT NULL,
        delivery_id      INTEGER NOT NULL REFERENCES deliveries (id),
        seq              INTEGER NOT NULL,
        afnemer_oin      TEXT    NOT NULL,
        bsn              TEXT    NOT NULL,
        bericht_type     TEXT    NOT NULL,
        onderwerp        TEXT    NOT NULL,
        tekst            TEXT    NOT NULL,
        referentie       TEXT,
        publicatie_datum INTEGER,
        eind_datum       INTEGER,
        parked_at        INTEGER NOT NULL,
        processed_at     INTEGER NOT NULL,
        bijlagen         INTEGER NOT NULL DEFAULT 0,
        read_at          INTEGER,
        deleted_at       INTEGER
      );
      INSERT INTO letters_keyed (rowid, bericht_id, delivery_id, seq, afnemer_oin, bsn, bericht_type, onderwerp, tekst, referentie,
                                 publicatie_datum, eind_datum, parked_at, processed_at, bijlagen, read_at, deleted_at)
        SELECT rowid, bericht_id, delivery_id, seq, afnemer_oin, bsn, bericht_type, onderwerp, tekst, referentie,
               publicatie_datum, eind_datum, parked_at, processed_at, bijlagen, read_at, deleted_at FROM letters;
      DROP TABLE letters;
      ALTER TABLE letters_keyed RENAME TO letters;
      CREATE UNIQUE INDEX letters_key ON letters (bericht_id, afnemer_oin);
      CREATE INDEX letters_delivery ON letters (delivery_id, seq);
      CREATE INDEX letters_inbox_visible ON letters (bsn, processed_at, deleted_at, publicatie_datum);
    `,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to the newest version: each missing step runs in its own transaction together
 * with its `user_version` bump, so a failed step leaves the previous version intact.
 * Refuses a database written by a newer bbsim rather than guess at its schema.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
): { from: number; to: number } {
  const from = userVersion(db);
  if (from > migrations.length) {
    throw new Error(
      `database ${db.name} has schema version ${from}, but this bbsim knows only up to version ${migrations.length}; ` +
        'use a newer bbsim or another database file',
    );
  }
  for (let version = from + 1; version <= migrations.length; version++) {
    const step = migrations[version - 1]!;
    db.transaction(() => {
      // Re-check under the write lock: another process may have migrated meanwhile.
      if (userVersion(db) >= version) return;
      db.exec(step.sql);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
  return { from, to: Math.max(from, migrations.length) };
}

export function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
