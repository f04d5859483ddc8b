// Duplicate keys in a request's JSON. JSON.parse keeps an object's last "price", SQLite's json_extract reads
// the first from the stored text, so an event that repeats a key would be validated as one thing and counted
// as another: such events are refused. Every body is checked cheaply (its keys counted in the text and in
// the parsed value: equal unless some key repeats); only a body that repeats one is read again to say where.

import type { Issue } from '../../sdk/wire';

type Path = (string | number)[];

const BACKSLASH = 92;
const COLON = 58;
const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/** The index just past the string whose opening quote is at `start`. */
function stringEnd(text: string, start: number): number {
  let j = start;
  for (;;) {
    j = text.indexOf('"', j + 1);
    let k = j - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    // An even run of backslashes before the quote escapes itself, not the quote.
    if ((j - 1 - k) % 2 === 0) return j + 1;
  }
}

/** The keys of every object in a valid JSON text: the strings a colon follows. */
function keysInText(text: string): number {
  let keys = 0;
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at)) {
    at = stringEnd(text, at);
    let c = text.charCodeAt(at);
    while (isSpace(c)) c = text.charCodeAt(++at);
    if (c === COLON) keys++;
  }
  return keys;
}

/** The own keys of every object in a parsed value (iterative: hostile depth cannot overflow the stack). */
function keysInValue(value: unknown): number {
  let keys = 0;
  const stack = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const child of v) if (typeof child === 'object' && child !== null) stack.push(child);
      continue;
    }
    for (const key in v) {
      if (!Object.hasOwn(v, key)) continue;
      keys++;
      const child = (v as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return keys;
}

interface Frame {
  path: Path;
  /** An object's keys so far; undefined for an array. */
  keys?: Set<string>;
  /** The next element's index in an array. */
  index: number;
}

/** Where keys repeat in a valid JSON text: the path of each repeated key, in the order they appear. */
function repeatedKeys(text: string): Path[] {
  const found: Path[] = [];
  const stack: Frame[] = [];
  let pendingKey: string | undefined;
  const childPath = (): Path => {
    const top = stack.at(-1);
    if (!top) return [];
    return top.keys ? [...top.path, pendingKey ?? ''] : [...top.path, top.index++];
  };
  for (let at = 0; at < text.length;) {
    const c = text[at];
    if (c === '{' || c === '[') {
      stack.push({ path: childPath(), keys: c === '{' ? new Set() : undefined, index: 0 });
      at++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      at++;
    } else if (c === '"') {
      const end = stringEnd(text, at);
      let next = end;
      while (isSpace(text.charCodeAt(next))) next++;
      const top = stack.at(-1);
      if (top?.keys && text.charCodeAt(next) === COLON) {
        const key = JSON.parse(text.slice(at, end)) as string;
        if (top.keys.has(key)) found.push([...top.path, key]);
        top.keys.add(key);
        pendingKey = key;
      } else if (top && !top.keys) top.index++;
      at = end;
    } else if (c === ',' || c === ':' || isSpace(text.charCodeAt(at))) {
      at++;
    } else {
      // A number, true, false or null: an element of its array.
      const top = stack.at(-1);
      if (top && !top.keys) top.index++;
      while (at < text.length && !',]}'.includes(text[at]) && !isSpace(text.charCodeAt(at))) at++;
    }
  }
  return found;
}

/** The paths of keys that repeat in `text`, whose parse is `value`; empty (at little cost) when none does. */
export function duplicateKeys(text: string, value: unknown): Path[] {
  return keysInText(text) === keysInValue(value) ? [] : repeatedKeys(text);
}

/** Where a request's keys repeat: in its envelope (the batch's own keys), or in an event, by its index. */
export interface RepeatedKeys {
  envelope: string[];
  events: Map<number, Issue[]>;
}

/** The repeated keys of a request body: a batch (`{ batch: [...] }`), or one event when `single`. */
export function repeatedKeysOf(text: string, body: unknown, single: boolean): RepeatedKeys {
  const out: RepeatedKeys = { envelope: [], events: new Map() };
  for (const path of duplicateKeys(text, body)) {
    const [index, within] = single ? [0, path] : path[0] === 'batch' && typeof path[1] === 'number' ? [path[1], path.slice(2)] : [-1, path];
    const where = within.join('.');
    if (index === -1) out.envelope.push(where);
    else out.events.set(index, [...(out.events.get(index) ?? []), { path: where, message: 'appears more than once in its object (duplicate key)' }]);
  }
  return out;
}
