// Identifiers the SDK keeps (a random id per event, an anonymous id per browser, a visit id) and the
// storage they live in, which never throws.

const randomByte = (): number => {
  const c = globalThis.crypto;
  return c && c.getRandomValues ? c.getRandomValues(new Uint8Array(1))[0] : (Math.random() * 256) | 0;
};

/**
 * A version 4 UUID. Not crypto.randomUUID: browsers offer it on https pages only, and a shop on plain http
 * would need this fallback anyway. Each 0 and 1 becomes a random hex digit; the 8 becomes 8, 9, a or b.
 */
export const uuid = (): string =>
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (d) => (+d ^ (randomByte() & (15 >> (+d / 4)))).toString(16));

const noop = () => {};

/** localStorage that never throws (private modes, disabled storage): falls back to memory. */
export function safeStorage(storage?: Storage | null) {
  const memory: Record<string, string> = {};
  const attempt = <T>(use: (storage: Storage) => T, fallback: () => T): T => {
    try {
      return storage ? use(storage) : fallback();
    } catch {
      return fallback();
    }
  };
  return {
    get: (key: string): string | null => attempt((s) => s.getItem(key), () => memory[key] ?? null),
    set(key: string, value: string): void {
      memory[key] = value;
      attempt((s) => s.setItem(key, value), noop);
    },
    remove(key: string): void {
      delete memory[key];
      attempt((s) => s.removeItem(key), noop);
    },
  };
}
export type SafeStorage = ReturnType<typeof safeStorage>;

/** A stored JSON value, or null when there is none or it does not parse. */
export function readJson<T>(storage: SafeStorage, key: string): T | null {
  try {
    return JSON.parse(storage.get(key)!);
  } catch {
    return null;
  }
}

export const SESSION_KEY = 'patron.session';

/** The current visit's id: a new one after `gapMs` without activity. Touching it extends the visit. */
export function sessionId(storage: SafeStorage, now: number, gapMs: number): string {
  let session = readJson<{ id: string; last: number }>(storage, SESSION_KEY);
  if (!session || typeof session.id !== 'string' || !(now - session.last <= gapMs)) session = { id: uuid(), last: now };
  session.last = now;
  storage.set(SESSION_KEY, JSON.stringify(session));
  return session.id;
}
