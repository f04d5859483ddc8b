// Patron's collector: the public entry.
export { createApp, type CollectorOptions, type PatronApp } from './app';
export { configFrom, startServer, type ServerConfig } from './server';
export { startServices, type ServiceOptions, type Services } from './services';
export { DEFAULT_DATABASE, DEFAULT_STORE, openStore, parseStoreSetting, type OpenStoreOptions } from './store/open';
export { openSqliteStore, type SqliteStoreOptions } from './store/sqlite/sqlite';
export type * from './store/store';
export type { StoredEvent, QuarantinedEvent, RawEvent } from './domain/stored-event';
export type { Keys, Role } from './http/auth';
export { newKey, loadOrCreateKeys } from './http/keys';
export { LIMITS } from './domain/limits';
export type { CatalogItem } from './domain/catalog-item';
export type { SlotConfig } from './domain/slot-config';
