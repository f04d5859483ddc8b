// Identifiers the SDK keeps (a random id per event, an anonymous id per browser, a visit id) and the
// storage they live in, which never throws.

/**
 * A version 4 UUID: each 0 and 1 becomes a random hex digit, the 8 one of 8, 9, a, b. Not
 * crypto.randomUUID, which browsers offer on https pages only; getRandomValues is everywhere.
 */
export const uuid = (): string => '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (d) => (+d ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (+d / 4)))).toString(16));

/**
 * localStorage that never throws (private modes, disabled storage, none at all): every value is kept in
 * memory too, and read from there when the storage fails. The storage is looked up on each use, as
 * merely reading window.localStorage throws where storage is disabled.
 */
export function safeStorage(storage: () => Storage | null | undefined) {
  const memory: Record<string, string> = {};
  return {
    _get(key: string): string | null {
      try {
        return storage()!.getItem(key);
      } catch {
        return memory[key] ?? null;
      }
    },
    _set(key: string, value: string): void {
      memory[key] = value;
      try {
        storage()!.setItem(key, value);
      } catch {
        /* memory only */
      }
    },
    _remove(key: string): void {
      delete memory[key];
      try {
        storage()!.removeItem(key);
      } catch {
        /* memory only */
      }
    },
  };
}
export type SafeStorage = ReturnType<typeof safeStorage>;

/** A stored JSON value, or null when there is none or it does not parse. */
export function readJson<T>(storage: SafeStorage, key: string): T | null {
  try {
    return JSON.parse(storage._get(key)!) as T;
  } catch {
    return null;
  }
}

export const SESSION_KEY = 'patron.session';

/** The current visit's id: a new one after `gapMs` without activity. Touching it extends the visit. */
export function sessionId(storage: SafeStorage, now: number, gapMs: number): string {
  let session = readJson<{ id: string; last?: number }>(storage, SESSION_KEY);
  if (!session || typeof session.id !== 'string' || !(now - session.last! <= gapMs)) session = { id: uuid() };
  session.last = now;
  storage._set(SESSION_KEY, JSON.stringify(session));
  return session.id;
}
