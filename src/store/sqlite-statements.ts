import type Database from 'better-sqlite3';
import { openDurableDatabase } from './open-database.ts';
import { SUMMARY_COLUMNS } from './store-rows.ts';

/**
 * The SQL of the SQLite store, prepared on one connection: the store's own, and the delivery
 * thread's (sqlite-delivery-thread.ts), which writes batches on a connection of its own.
 */

const LETTER_COLUMNS = `${SUMMARY_COLUMNS}, tekst`;
// The burger's visibility rule, shared by every presentation query (@bsn, @now).
const VISIBLE =
  'bsn = @bsn AND processed_at <= @now AND deleted_at IS NULL AND (publicatie_datum IS NULL OR publicatie_datum <= @now)';
// The same rule with positional parameters (bsn, now, now), and the inbox filter after it (gelezen, gelezen, afnemer, afnemer).
const VISIBLE_POS =
  'bsn = ? AND processed_at <= ? AND deleted_at IS NULL AND (publicatie_datum IS NULL OR publicatie_datum <= ?)';
const INBOX_FILTER_POS = `${VISIBLE_POS} AND (? IS NULL OR (read_at IS NOT NULL) = ?) AND (? IS NULL OR afnemer_oin = ?)`;
const INBOX_ORDER = 'ORDER BY processed_at DESC, rowid DESC LIMIT ? OFFSET ?';
/** A burger's visible letters counted (the inbox's total): from the index letters_inbox_visible alone. */
export const INBOX_COUNT_SQL = `SELECT count(*) FROM letters WHERE ${VISIBLE_POS}`;
const ONE_BY_ID = 'ORDER BY processed_at DESC, rowid DESC LIMIT 1';
/**
 * A burger's letter by its BerichtID, through the letters' key (bericht_id, afnemer_oin), which
 * leads with it. Left to itself SQLite took the
 * inbox index (an equality on bsn and a range on processed_at) and read every letter of the inbox
 * from the table to find the one: 2.2 ms for a 2,446-letter inbox of the whole peak-day against
 * a few µs, and the day's readers (a fifth of the evening's logins) saturated the mock with it.
 */
const LETTER_BY_ID = `FROM letters INDEXED BY letters_key WHERE bericht_id = @id AND ${VISIBLE} ${ONE_BY_ID}`;
/** One visible letter by id (bsn, id, now): its plan is held by a test. */
export const LETTER_BY_ID_SQL = `SELECT rowid ${LETTER_BY_ID}`;

/** In-line checkpoint threshold (pages of 4 KiB): the safety net behind the background checkpointer. */
const WAL_AUTOCHECKPOINT_PAGES = 20_000;

/**
 * A connection to the store's file, opened the store's way; `migrate` brings the schema up to date
 * (the store's own connection; the delivery thread's opens a file already migrated).
 */
export function openStoreConnection(path: string, migrate?: (db: Database.Database) => void): Database.Database {
  return openDurableDatabase(path, (d) => {
    d.pragma('foreign_keys = ON');
    // A larger page cache keeps the random-GUID indexes in memory during bulk intake.
    d.pragma('cache_size = -65536');
    // Random-key indexes dirty many pages per commit; checkpointing every 4 MB (the default)
    // rewrote each of them after nearly every commit. A background checkpointer keeps up instead;
    // this threshold is only the safety net (measured: 16k → 27k letters/s at 300k letters).
    d.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    migrate?.(d);
  });
}

export type Statements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    getCounter: p('SELECT count FROM counters WHERE kind = ? AND bucket = ? AND afnemer_oin = ? AND name = ?').pluck(),
    maxCounter: p('SELECT max(count) FROM counters WHERE kind = ?').pluck(),
    addCounter: p(`INSERT INTO counters (kind, bucket, afnemer_oin, name, count) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (kind, bucket, afnemer_oin, name) DO UPDATE SET count = count + excluded.count`),
    getState: p('SELECT value FROM state WHERE key = ?').pluck(),
    setState: p('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    totals: p('SELECT * FROM totals WHERE id = 1'),
    totalsDelivered: p(`UPDATE totals SET deliveries = deliveries + 1, deliveries_pending = deliveries_pending + 1,
                        letters_admitted = letters_admitted + ?, max_parking_delay = max(max_parking_delay, ?) WHERE id = 1`),
    totalsProcessed:
      p(`UPDATE totals SET deliveries_pending = deliveries_pending - ?, max_processing_delay = max(max_processing_delay, ?),
                        notifications_enqueued = notifications_enqueued + ? WHERE id = 1`),

    countAttempts: p('SELECT count(*) FROM deliveries WHERE afnemer_oin = ? AND batch_id = ?').pluck(),
    letterExists: p('SELECT 1 FROM letters WHERE afnemer_oin = ? AND bericht_id = ?').pluck(),
    insertDelivery:
      p(`INSERT INTO deliveries (batch_id, afnemer_oin, attempt, format, received_at, aanmaak_datum, letters, counts,
                       park_start, park_end, park_interval, process_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertResult: p(
      'INSERT INTO results (delivery_id, seq, bericht_id, bericht_type, code, toelichting) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertLetter:
      p(`INSERT INTO letters (bericht_id, delivery_id, seq, afnemer_oin, bsn, bericht_type, onderwerp, tekst, referentie,
                     publicatie_datum, eind_datum, parked_at, processed_at, bijlagen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertBijlage: p(
      'INSERT INTO bijlagen (afnemer_oin, bericht_id, volgorde, omschrijving, bytes, sha256, stored) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    insertContent: p(
      'INSERT INTO attachment_contents (sha256, bytes, content) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
    ),
    latestDelivery:
      p(`SELECT d.*, v.id AS vb_id FROM deliveries d LEFT JOIN verwerkingsberichten v ON v.delivery_id = d.id
                       WHERE d.afnemer_oin = ? AND d.batch_id = ? ORDER BY d.attempt DESC LIMIT 1`),

    selectDue: p(`SELECT id, afnemer_oin, received_at, process_at, letters, counts FROM deliveries
                  WHERE processed_at IS NULL AND process_at <= ? ORDER BY id LIMIT ?`),
    anyDue: p('SELECT 1 FROM deliveries WHERE processed_at IS NULL AND process_at <= ? LIMIT 1').pluck(),
    markProcessed: p('UPDATE deliveries SET processed_at = process_at WHERE id = ?'),
    insertVerwerkingsbericht: p(
      'INSERT INTO verwerkingsberichten (delivery_id, afnemer_oin, created_at) VALUES (?, ?, ?)',
    ),
    lettersOfDelivery: p(
      'SELECT bericht_id, bsn, afnemer_oin, processed_at FROM letters WHERE delivery_id = ? ORDER BY seq',
    ).raw(),
    insertNotification:
      p(`INSERT INTO notifications (bericht_id, bsn, afnemer_oin, enqueued_at, notify_at, enqueued_day, notify_day)
                           VALUES (?, ?, ?, ?, ?, ?, ?)`),

    pendingVb: p(`SELECT v.id, v.delivery_id, v.first_offered_at, d.attempt, d.batch_id, d.received_at, d.processed_at
                  FROM verwerkingsberichten v JOIN deliveries d ON d.id = v.delivery_id
                  WHERE v.afnemer_oin = ? AND v.acknowledged_at IS NULL AND v.id > ? AND v.created_at <= ?
                    AND (v.first_offered_at IS NULL OR ? <= v.first_offered_at + ?)
                  ORDER BY v.id LIMIT ?`),
    markOffered: p('UPDATE verwerkingsberichten SET first_offered_at = ? WHERE id = ? AND first_offered_at IS NULL'),
    resultsOfDelivery: p(
      'SELECT bericht_id, bericht_type, code, toelichting FROM results WHERE delivery_id = ? ORDER BY seq',
    ),
    acknowledge: p(`UPDATE verwerkingsberichten SET acknowledged_at = ?
                    WHERE id = ? AND afnemer_oin = ? AND acknowledged_at IS NULL AND created_at <= ?`),

    countInboxAll: p(INBOX_COUNT_SQL).pluck(),
    listInboxAll: p(`SELECT ${SUMMARY_COLUMNS} FROM letters WHERE ${VISIBLE_POS} ${INBOX_ORDER}`).raw(),
    countInbox: p(`SELECT count(*) FROM letters WHERE ${INBOX_FILTER_POS}`).pluck(),
    listInbox: p(`SELECT ${SUMMARY_COLUMNS} FROM letters WHERE ${INBOX_FILTER_POS} ${INBOX_ORDER}`).raw(),
    // A BerichtID is unique per afnemer, so one burger could hold two letters with the same one
    // (from two afnemers): the inbox addresses the newest, every time the same.
    getVisible: p(`SELECT ${LETTER_COLUMNS} ${LETTER_BY_ID}`),
    markRead: p(`UPDATE letters SET read_at = coalesce(read_at, @now) WHERE rowid = (${LETTER_BY_ID_SQL})`),
    deleteLetter: p(`UPDATE letters SET deleted_at = @now WHERE rowid = (${LETTER_BY_ID_SQL})`),
    getBijlage: p(`SELECT b.omschrijving, c.content FROM bijlagen b
                   LEFT JOIN attachment_contents c ON c.sha256 = b.sha256 AND b.stored = 1
                   WHERE b.bericht_id = @id AND b.volgorde = @volgorde
                     AND b.afnemer_oin = (SELECT afnemer_oin ${LETTER_BY_ID})`),
    bijlagenOf: p(
      'SELECT volgorde, omschrijving, bytes, sha256 FROM bijlagen WHERE afnemer_oin = ? AND bericht_id = ? ORDER BY volgorde',
    ),

    portalCounters: p(`SELECT bucket, afnemer_oin, name, count FROM counters
                       WHERE kind = 'portal' AND (@afnemer IS NULL OR afnemer_oin = @afnemer)
                         AND (@from IS NULL OR bucket >= @from) AND (@to IS NULL OR bucket <= @to)
                       ORDER BY bucket, afnemer_oin, name`),
    // Letters not yet parked at now: letter i (1-based) is parked at park_start + i * park_interval.
    intakeBacklog: p(`SELECT coalesce(sum(CASE WHEN park_interval <= 0 THEN letters
                        ELSE letters - min(letters, max(0, CAST((? - park_start) / park_interval AS INTEGER))) END), 0)
                      FROM deliveries WHERE park_end > ?`).pluck(),
    notificationsBetween: p(
      'SELECT enqueued_at, notify_at, enqueued_day, notify_day FROM notifications WHERE notify_at > ? AND notify_at <= ?',
    ).raw(),
    countLetters: p('SELECT count(*) FROM letters').pluck(),
  };
}
