// Identifiers the SDK keeps: a random id per event, an anonymous id per browser, a visit (session) id.

export function uuid(): string {
  const c = globalThis.crypto;
  if (c && c.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** localStorage that never throws (private modes, disabled storage): falls back to memory. */
export function safeStorage(storage?: Storage | null) {
  const memory: Record<string, string> = {};
  return {
    get(key: string): string | null {
      try {
        return storage ? storage.getItem(key) : (memory[key] ?? null);
      } catch {
        return memory[key] ?? null;
      }
    },
    set(key: string, value: string): void {
      memory[key] = value;
      try {
        storage?.setItem(key, value);
      } catch {
        /* memory only */
      }
    },
    remove(key: string): void {
      delete memory[key];
      try {
        storage?.removeItem(key);
      } catch {
        /* memory only */
      }
    },
  };
}
export type SafeStorage = ReturnType<typeof safeStorage>;

const SESSION_KEY = 'patron.session';

/** The current visit's id: a new one after `gapMs` without activity. Touching it extends the visit. */
export function sessionId(storage: SafeStorage, now: number, gapMs: number): string {
  let session: { id: string; last: number } | null = null;
  try {
    session = JSON.parse(storage.get(SESSION_KEY) ?? 'null');
  } catch {
    session = null;
  }
  if (!session || typeof session.id !== 'string' || !(now - session.last <= gapMs)) session = { id: uuid(), last: now };
  session.last = now;
  storage.set(SESSION_KEY, JSON.stringify(session));
  return session.id;
}
