export type * from './store.ts';
export { openSqliteStore, SqliteStore } from './sqlite-store.ts';
export { MIGRATIONS, SCHEMA_VERSION, migrate } from './migrations.ts';
