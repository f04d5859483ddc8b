// Duplicate keys in a request's JSON. JSON.parse keeps an object's last "price", SQLite's json_extract reads
// the first from the stored text, so an event that repeats a key would be validated as one thing and counted
// as another: such events are refused. Every body is checked cheaply (its keys counted in the text and in
// the parsed value: equal unless some key repeats); only a body that repeats one is read again to say where.

import type { Issue } from '../../sdk/wire';
import { LIMITS } from '../domain/limits';

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

// Past this depth (the envelope, the batch, an event's own limit) keys are not followed: such an event is
// refused for its depth anyway, and a hostile depth costs no frames.
const FOLLOWED_DEPTH = LIMITS.depth + 3;

/**
 * The own keys of the objects in a parsed value, down to FOLLOWED_DEPTH (so recursion stays shallow whatever
 * arrives). Keys deeper make the counts differ, and repeatedKeys() then finds nothing there.
 */
function keysInValue(value: unknown, depth = 1): number {
  if (typeof value !== 'object' || value === null || depth > FOLLOWED_DEPTH) return 0;
  let keys = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) keys += keysInValue(value[i], depth + 1);
    return keys;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    keys += 1 + keysInValue((value as Record<string, unknown>)[key], depth + 1);
  }
  return keys;
}

interface Frame {
  /** The frame it is in, and its key or index there (null at the top). */
  parent: Frame | null;
  step: string | number;
  /** An object's keys so far; undefined for an array. */
  keys?: Set<string>;
  /** The next element's index in an array. */
  index: number;
}

/** A frame's path, made only for a key that repeats: copying it into every frame would cost depth squared. */
function pathOf(frame: Frame | null): Path {
  const path: Path = [];
  for (let f = frame; f?.parent; f = f.parent) path.push(f.step);
  return path.reverse();
}

/** Where keys repeat in a valid JSON text: the path of each repeated key, in the order they appear. */
function repeatedKeys(text: string): Path[] {
  const found: Path[] = [];
  let top = null as Frame | null;
  let depth = 0;
  /** Levels open beyond FOLLOWED_DEPTH. */
  let beyond = 0;
  let pendingKey = '';
  for (let at = 0; at < text.length;) {
    const c = text[at];
    if (c === '{' || c === '[') {
      if (beyond > 0 || depth === FOLLOWED_DEPTH) beyond++;
      else {
        const step: string | number = top === null ? '' : top.keys ? pendingKey : top.index++;
        top = { parent: top, step, keys: c === '{' ? new Set() : undefined, index: 0 };
        depth++;
      }
      at++;
    } else if (c === '}' || c === ']') {
      if (beyond > 0) beyond--;
      else {
        top = top?.parent ?? null;
        depth--;
      }
      at++;
    } else if (beyond > 0) {
      at = c === '"' ? stringEnd(text, at) : at + 1;
    } else if (c === '"') {
      const end = stringEnd(text, at);
      let next = end;
      while (isSpace(text.charCodeAt(next))) next++;
      if (top?.keys && text.charCodeAt(next) === COLON) {
        const key = JSON.parse(text.slice(at, end)) as string;
        if (top.keys.has(key)) found.push([...pathOf(top), key]);
        top.keys.add(key);
        pendingKey = key;
      } else if (top && !top.keys) top.index++;
      at = end;
    } else if (c === ',' || c === ':' || isSpace(text.charCodeAt(at))) {
      at++;
    } else {
      // A number, true, false or null: an element of its array.
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
    else {
      const issue = { path: where, message: 'appears more than once in its object (duplicate key)' };
      // Appended in place (a copy per key would make a body of many repeated keys quadratic).
      const issues = out.events.get(index);
      if (issues) issues.push(issue);
      else out.events.set(index, [issue]);
    }
  }
  return out;
}
