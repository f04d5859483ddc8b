// Starts the collector: `tsx collector/server.ts --port 3000 --store sqlite:./data/patron.db`.
// Every flag has an environment variable; see the README's "Options".

import type { Server } from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createApp, type CollectorOptions, type PatronApp } from './app';
import type { Keys } from './http/auth';
import { loadOrCreateKeys } from './http/keys';
import { LIMITS } from './domain/limits';
import { KEEPINGS, type ContextPrivacy, type Keeping } from './ingest/privacy';
import type { QuarantineLimits } from './ingest/quarantine';
import { DEFAULT_RATE_LIMITS, type Bucket, type RateLimits } from './http/rate-limit';
import { openStore, parseStoreSetting, storeHome, storeSetting } from './store/open';
import { PUBLIC_PROFILE_FIELDS, type PublicProfileField } from '../sdk/wire';

export interface ServerConfig {
  port: number;
  host: string;
  /** Which store, as store/open.ts reads it: `sqlite:/abs/path/patron.db`. */
  store: string;
  keys: Keys;
  keysFile?: string;
  corsOrigins: string[];
  rateLimits: RateLimits | false;
  durability: 'full' | 'normal';
  profilePublic: PublicProfileField[];
  quarantine: Partial<QuarantineLimits>;
  /** How long events are kept, in days (for ever when not given). */
  retention: { eventDays?: number };
  /** What ingest keeps of the client's IP address and user agent. */
  privacy: ContextPrivacy;
  /** Hosts webhooks may reach although internal (and over http); the collector's public URL for payloads' links. */
  webhooks: { allowHosts: string[]; publicUrl?: string };
}

const list = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

export function configFrom(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      store: { type: 'string' },
      database: { type: 'string' },
      'write-key': { type: 'string', multiple: true },
      'admin-key': { type: 'string', multiple: true },
      'analyst-key': { type: 'string', multiple: true },
      'keys-file': { type: 'string' },
      cors: { type: 'string' },
      'rate-per-key': { type: 'string' },
      'rate-per-address': { type: 'string' },
      'bytes-per-key': { type: 'string' },
      'bytes-per-address': { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      durability: { type: 'string' },
      'profile-public': { type: 'string' },
      'webhook-allow-hosts': { type: 'string' },
      'public-url': { type: 'string' },
      'quarantine-max-events': { type: 'string' },
      'quarantine-max-days': { type: 'string' },
      'retain-days': { type: 'string' },
      'context-ip': { type: 'string' },
      'context-user-agent': { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port ?? env.PATRON_PORT ?? env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${values.port ?? env.PATRON_PORT}`);
  const setting = storeSetting(values, env);
  const { engine, location } = parseStoreSetting(setting);
  const store = `${engine}:${location}`;
  const given: Keys = {
    write: values['write-key'] ?? list(env.PATRON_WRITE_KEYS),
    admin: values['admin-key'] ?? list(env.PATRON_ADMIN_KEYS),
    analyst: values['analyst-key'] ?? list(env.PATRON_ANALYST_KEYS),
  };
  const keysFile = path.resolve(values['keys-file'] ?? env.PATRON_KEYS_FILE ?? path.join(storeHome(store), 'keys.json'));
  const configured = given.write.length > 0;
  const keys = configured ? given : loadOrCreateKeys(keysFile);
  const rate = (name: string, value: string | undefined, fallback: Bucket, unit = 'events', least = 2500): Bucket => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!(n > 0)) throw new Error(`--${name} must be a positive number of ${unit} per second, got ${value}`);
    return { rate: n, burst: Math.max(5 * n, least) };
  };
  // A burst of at least a full batch.
  const bytes = (name: string, value: string | undefined, fallback: Bucket) => rate(name, value, fallback, 'bytes', 10 * LIMITS.batchBytes);
  const off = (values['rate-per-key'] ?? env.PATRON_RATE_PER_KEY) === 'off';
  const rateLimits: RateLimits | false = off
    ? false
    : {
        perKey: rate('rate-per-key', values['rate-per-key'] ?? env.PATRON_RATE_PER_KEY, DEFAULT_RATE_LIMITS.perKey),
        perAddress: rate('rate-per-address', values['rate-per-address'] ?? env.PATRON_RATE_PER_ADDRESS, DEFAULT_RATE_LIMITS.perAddress),
        bytesPerKey: bytes('bytes-per-key', values['bytes-per-key'] ?? env.PATRON_BYTES_PER_KEY, DEFAULT_RATE_LIMITS.bytesPerKey!),
        bytesPerAddress: bytes('bytes-per-address', values['bytes-per-address'] ?? env.PATRON_BYTES_PER_ADDRESS, DEFAULT_RATE_LIMITS.bytesPerAddress!),
        trustProxy: values['trust-proxy'] ?? env.PATRON_TRUST_PROXY === 'true',
      };
  const positive = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${value}`);
    return n;
  };
  const durability = values.durability ?? env.PATRON_DURABILITY ?? 'full';
  if (durability !== 'full' && durability !== 'normal') throw new Error(`--durability must be full or normal, got ${durability}`);
  const keeping = (name: string, value: string | undefined): Keeping => {
    if (value === undefined) return 'keep';
    if (!(KEEPINGS as readonly string[]).includes(value)) throw new Error(`--${name} must be ${KEEPINGS.join(', ')}; got ${value}`);
    return value as Keeping;
  };
  const privacy = { ip: keeping('context-ip', values['context-ip'] ?? env.PATRON_CONTEXT_IP), userAgent: keeping('context-user-agent', values['context-user-agent'] ?? env.PATRON_CONTEXT_USER_AGENT) };
  const profilePublic = list(values['profile-public'] ?? env.PATRON_PROFILE_PUBLIC);
  const unknown = profilePublic.filter((f) => !(PUBLIC_PROFILE_FIELDS as readonly string[]).includes(f));
  if (unknown.length) throw new Error(`--profile-public takes ${PUBLIC_PROFILE_FIELDS.join(', ')}; got ${unknown.join(', ')}`);
  return {
    port,
    rateLimits,
    profilePublic: profilePublic as PublicProfileField[],
    quarantine: {
      maxEvents: positive('quarantine-max-events', values['quarantine-max-events'] ?? env.PATRON_QUARANTINE_MAX_EVENTS),
      maxAgeDays: positive('quarantine-max-days', values['quarantine-max-days'] ?? env.PATRON_QUARANTINE_MAX_DAYS),
    },
    retention: { eventDays: positive('retain-days', values['retain-days'] ?? env.PATRON_RETAIN_DAYS) },
    privacy,
    durability,
    host: values.host ?? env.PATRON_HOST ?? '0.0.0.0',
    store,
    keys,
    ...(configured ? {} : { keysFile }),
    corsOrigins: list(values.cors ?? env.PATRON_CORS_ORIGINS),
    webhooks: { allowHosts: list(values['webhook-allow-hosts'] ?? env.PATRON_WEBHOOK_ALLOW_HOSTS), publicUrl: (values['public-url'] ?? env.PATRON_PUBLIC_URL)?.replace(/\/+$/, '') },
  };
}

export async function startServer(config: ServerConfig, extra: Partial<CollectorOptions> = {}): Promise<{ app: PatronApp; server: Server; url: string }> {
  const store = openStore(config.store, { durability: config.durability, log: (message) => console.log(`[patron] ${message}`) });
  const app = await createApp({
    keys: config.keys,
    store,
    corsOrigins: config.corsOrigins,
    rateLimits: config.rateLimits,
    profilePublic: config.profilePublic,
    quarantine: config.quarantine,
    webhooks: config.webhooks,
    retention: config.retention,
    privacy: config.privacy,
    ...extra,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return { app, server, url: `http://${host}:${port}` };
}

/** `patron serve`: the collector, configured by flags and environment, until Ctrl+C. */
export async function serve(argv: string[]): Promise<void> {
  const config = configFrom(argv);
  const { app, server, url } = await startServer(config);
  console.log(`[patron] collector listening on ${url} (store ${config.store})`);
  if (config.keysFile) console.log(`[patron] keys in ${config.keysFile}; write key: ${config.keys.write[0]}`);
  stopOnSignals(async () => {
    server.close();
    await app.patron.close();
  });
}

/** On Ctrl+C or SIGTERM: `stop`, then exit. */
export function stopOnSignals(stop: () => Promise<void>): void {
  const once = () => void stop().then(() => process.exit(0));
  process.once('SIGINT', once);
  process.once('SIGTERM', once);
}

/** Runs `main` when the module at `moduleUrl` is the program being run; a failure is one line, exit 1. */
export function runIfEntry(moduleUrl: string, label: string, main: () => Promise<void>): void {
  if (!process.argv[1] || path.resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  main().catch((error) => {
    console.error(`[${label}] ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
}

runIfEntry(import.meta.url, 'patron', () => serve(process.argv.slice(2)));
