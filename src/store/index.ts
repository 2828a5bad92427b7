export type * from './store.ts';
export { openSqliteStore, SqliteStore } from './sqlite-store.ts';
export { MIGRATIONS, SCHEMA_VERSION, migrate } from './migrations.ts';
export { openPostgresStore, PostgresStore } from './postgres-store.ts';
export { PG_MIGRATIONS } from './postgres-migrations.ts';
