// Patron's collector: the public entry.
export { createApp, DEFAULT_DATABASE, type CollectorOptions, type PatronApp } from './app';
export { configFrom, startServer, type ServerConfig } from './server';
export { Personalizer, type PersonalizerOptions, type RecommendQuery } from './personalizer';
export { openSqliteStore, type SqliteStoreOptions } from './store/sqlite/sqlite';
export type { Store, StoredSegments } from './store/store';
export type { StoredEvent, QuarantinedEvent } from './domain/stored-event';
export type { Keys, Role } from './http/auth';
export { newKey, loadOrCreateKeys } from './http/keys';
export { LIMITS } from './domain/limits';
export { type CatalogItem } from './domain/catalog-item';
