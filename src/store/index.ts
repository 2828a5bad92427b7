export type * from './store.ts';
export { openSqliteStore, SqliteStore } from './sqlite-store.ts';
export type { SqliteStoreOptions, WindowCounts } from './sqlite-store.ts';
export { MIGRATIONS, SCHEMA_VERSION, migrate } from './migrations.ts';
export type { Migration } from './migrations.ts';
export { storageFaultOf } from './storage-fault.ts';
export type { StorageFault, StorageFaultKind } from './storage-fault.ts';
