/**
 * Whether a `--db` value names PostgreSQL. On its own, without the PostgreSQL store: the mock
 * loads that store (and the `pg` driver, about 70 ms of a start-up) only when it is asked for.
 */
export function isPostgresUrl(db: string | undefined): db is string {
  return db !== undefined && /^postgres(ql)?:\/\//i.test(db);
}
