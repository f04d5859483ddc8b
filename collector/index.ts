// Patron's collector: the public entry.
export { createApp, DEFAULT_DATABASE, type CollectorOptions, type PatronApp } from './app';
export { configFrom, startServer, type ServerConfig } from './server';
export { Personalizer, type PersonalizerOptions, type RecommendQuery } from './personalizer';
export { openSqliteStore, type SqliteStoreOptions } from './store/sqlite';
export type { Store, StoredEvent, QuarantinedEvent, StoredSegments } from './store/types';
export type { Keys, Role } from './auth';
export { newKey, loadOrCreateKeys } from './keys';
export { LIMITS, type CatalogItem } from './schemas';
