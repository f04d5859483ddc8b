// Who did what when (for how much, in which category), for every stored event, in five typed columns: the
// cohort, funnel and event-count reports read a million events here in tens of milliseconds, where SQL must
// sort every row by a text id or parse its JSON first (a second or two). 24 bytes an event. People are the ids on the events (the user's,
// else the anonymous id); the caller says at query time which of them are one person (identify can come late).

import { IdIndex } from './ids';

const DAY = 86_400_000;
/** Events moved into grown columns per event added. */
const MOVED_PER_ADD = 16_384;

export type Interval = 'day' | 'week' | 'month';

/** Integer buckets of a time, shared with the SQL store: days since the epoch, weeks from Monday, months. */
export const BUCKET = {
  hour: (t: number) => Math.floor(t / 3_600_000),
  day: (t: number) => Math.floor(t / DAY),
  // Day 0 of the epoch was a Thursday: + 3 starts weeks on Monday.
  week: (t: number) => Math.floor((Math.floor(t / DAY) + 3) / 7),
  month: (t: number) => {
    const d = new Date(t);
    return d.getUTCFullYear() * 12 + d.getUTCMonth();
  },
} satisfies Record<Interval | 'hour', (t: number) => number>;

/** A bucket's name: the day, the Monday a week starts on, or YYYY-MM. */
export const BUCKET_NAME = {
  hour: (n: number) => new Date(n * 3_600_000).toISOString().slice(0, 13) + ':00:00Z',
  day: (n: number) => new Date(n * DAY).toISOString().slice(0, 10),
  week: (n: number) => new Date((n * 7 - 3) * DAY).toISOString().slice(0, 10),
  month: (n: number) => `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`,
} satisfies Record<Interval | 'hour', (n: number) => string>;

export interface TimeRange {
  /** Inclusive, ms since the epoch. */
  from?: number;
  /** Exclusive. */
  to?: number;
}

export interface CountQuery extends TimeRange {
  /** Only these event names (any when absent). */
  names?: readonly string[];
  /** Only events of this category (the e-commerce spec's `category` property). */
  category?: string;
  interval?: Interval | 'hour';
  /** Group by the event's name, by person, or by category. */
  by?: 'event' | 'user' | 'category';
  measures: readonly ('count' | 'users' | 'revenue')[];
  canonical?: Int32Array;
}

export interface CountRow {
  /** The integer bucket (BUCKET[interval]), when an interval was asked for. */
  bucket?: number;
  group?: string | null;
  count?: number;
  users?: number;
  revenue?: number;
}

/** Order of text as SQLite's BINARY collation has it (UTF-8 bytes, that is code points); null first. */
export function compareText(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** SQLite's round(x, 2): its printf decodes 15 significant digits before rounding. */
export function roundCents(x: number): number {
  return Number(Number(x.toPrecision(15)).toFixed(2));
}

export interface CohortCell {
  cohort: number;
  offset: number;
  people: number;
}

/**
 * How far one person got: from each time they did step 0, the steps they then did in order within the window;
 * the best of those runs. `events` are [step, time] in time order.
 */
export function stepsReached(events: readonly (readonly [number, number])[], steps: number, windowMs: number): number {
  let best = 0;
  for (let i = 0; i < events.length && best < steps; i++) {
    if (events[i][0] !== 0) continue;
    const start = events[i][1];
    let next = 1;
    for (let j = i + 1; j < events.length && next < steps && events[j][1] - start <= windowMs; j++) if (events[j][0] === next) next++;
    best = Math.max(best, next);
  }
  return best;
}

/** For each person of `log`, the index of the one their events count for: the user an anonymous id was tied to. */
export function canonicalPeople(log: EventLog, linkedUser: (id: string) => string | undefined): Int32Array {
  const n = log.people;
  const canonical = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const user = linkedUser(log.personId(p));
    canonical[p] = user === undefined ? p : log.personIndex(user);
  }
  return canonical;
}

/** The person of a forgotten event: no one, left out of every count. */
const NO_ONE = -1;
const FORGET_SLICE = 65_536;

export class EventLog {
  /** People by index: the log's own, or one shared with the other per-person models (one copy of each id). */
  private readonly _people: IdIndex;
  private readonly _names = new Map<string, number>();
  private _person = new Int32Array(1024);
  /** Name codes: as many as there are distinct names (a cap would count a new name as another, answering otherwise than SQL). */
  private _name = new Int32Array(1024);
  private _time = new Float64Array(1024);
  /** NaN when the event carries no revenue. */
  private _revenue = new Float64Array(1024);
  private _length = 0;
  /** Name by code; code 0 is no name. */
  private readonly _nameOf: (string | null)[] = [null];
  /** The `category` property, as a code into `_categoryOf` (0: none). */
  private _category = new Uint16Array(1024);
  private readonly _categories = new Map<string, number>();
  private readonly _categoryOf: (string | null)[] = [null];
  private _categoriesExact = true;
  /** The columns before the last growth, while their events move into the new ones (`moved` of them so far). */
  private _moving: {
    person: Int32Array;
    name: Int32Array;
    revenue: Float64Array;
    category: Uint16Array;
    time: Float64Array;
    moved: number;
  } | null = null;

  constructor(people: IdIndex = new IdIndex()) {
    this._people = people;
  }

  /**
   * Records one event: `person` the id on it (userId, else anonymousId), `name` its event (or page) name,
   * `revenue` what it says it is worth (an order's revenue or total), `category` its category property.
   */
  add(person: string, name: string | null, time: number, revenue: number | null = null, category: unknown = undefined): void {
    if (this._length === this._time.length) this._grow();
    else if (this._moving) this._moveSome(MOVED_PER_ADD);
    const i = this._length++;
    this._person[i] = this._people.intern(person);
    this._name[i] = name === null ? 0 : this._codeOf(name);
    this._time[i] = time;
    this._revenue[i] = revenue ?? Number.NaN;
    this._category[i] = this._categoryCode(category);
  }

  /**
   * Whether every category seen was text, and there were fewer than 65,535 of them: then the log answers
   * category reports exactly as SQL does (which would show a number or an object as it is).
   */
  get categoriesExact(): boolean {
    return this._categoriesExact;
  }

  get length(): number {
    return this._length;
  }

  get people(): number {
    return this._people.size;
  }

  /** The dense index of a person id (added if new, so a user known only from identities has one too). */
  personIndex(id: string): number {
    return this._people.intern(id);
  }

  personId(index: number): string {
    return this._people.id(index);
  }

  get bytes(): number {
    return this._time.byteLength + this._revenue.byteLength + this._person.byteLength + this._name.byteLength + this._category.byteLength;
  }

  /**
   * Forgets every event of these people (deleted on request): each becomes no one's, which every count leaves out,
   * `FORGET_SLICE` events at a time with `pause()` awaited between (a pass over a million at once took 40 ms).
   * Returns how many went.
   */
  async forget(personIds: Iterable<string>, pause = () => new Promise<void>((resolve) => setImmediate(resolve))): Promise<number> {
    const gone = new Set<number>();
    for (const id of personIds) {
      const p = this._people.get(id);
      if (p !== undefined) gone.add(p);
    }
    let removed = 0;
    for (let from = 0; gone.size > 0 && from < this._length; from += FORGET_SLICE) {
      if (from > 0) await pause();
      // While the columns grow, an event not moved yet is read (and forgotten) in the old ones too.
      const m = this._moving;
      for (let i = from; i < Math.min(this._length, from + FORGET_SLICE); i++) {
        const old = m !== null && i >= m.moved && i < m.person.length;
        if (!gone.has(old ? m.person[i] : this._person[i])) continue;
        this._person[i] = NO_ONE;
        if (old) m.person[i] = NO_ONE;
        removed++;
      }
    }
    return removed;
  }

  /** Every event named `name` (an order, say): the person it counts for (through `canonical`), when, its revenue (0 without). */
  each(name: string, visit: (person: number, time: number, revenue: number) => void, canonical?: Int32Array): void {
    this._settle();
    const code = this._names.get(name);
    if (code === undefined) return;
    for (let i = 0; i < this._length; i++) {
      if (this._name[i] !== code) continue;
      const p = this._person[i];
      if (p === NO_ONE) continue;
      const revenue = this._revenue[i];
      visit(canonical && p < canonical.length ? canonical[p] : p, this._time[i], Number.isNaN(revenue) ? 0 : revenue);
    }
  }

  /**
   * Counts, people and revenue over the events, per bucket and group, ordered by bucket then group, as the
   * store's events query computes them in SQL (sums as SQLite sums: compensated, rounded to cents).
   */
  count(q: CountQuery): CountRow[] {
    this._settle();
    const names = q.names === undefined ? null : new Uint8Array(this._nameOf.length);
    for (const name of q.names ?? []) {
      const code = this._names.get(name);
      if (code !== undefined) names![code] = 1;
    }
    const canonical = q.canonical ?? new Int32Array(0);
    const from = q.from ?? -Infinity;
    const to = q.to ?? Infinity;
    const people = this._people.size;
    const width = q.by === 'user' ? people : q.by === 'event' ? this._nameOf.length : q.by === 'category' ? 65_536 : 1;
    const category = q.category === undefined ? -1 : (this._categories.get(q.category) ?? -2);
    const bucketOf = q.interval === undefined ? () => 0 : q.interval === 'month' ? this._bucketer('month') : BUCKET[q.interval];
    const wantUsers = q.measures.includes('users');
    // Dense group numbers, by bucket * width + group value.
    const groups = new Map<number, number>();
    const keys: number[] = [];
    const counts: number[] = [];
    const sums: number[] = [];
    const errors: number[] = [];
    const pairs = wantUsers ? new Float64Array(this._length) : null;
    let pairCount = 0;
    for (let i = 0; i < this._length; i++) {
      if (names !== null && names[this._name[i]] === 0) continue;
      if (category !== -1 && this._category[i] !== category) continue;
      const t = this._time[i];
      if (t < from || t >= to) continue;
      const p = this._person[i];
      if (p === NO_ONE) continue;
      const who = p < canonical.length ? canonical[p] : p;
      const key = bucketOf(t) * width + (q.by === 'user' ? who : q.by === 'event' ? this._name[i] : q.by === 'category' ? this._category[i] : 0);
      let g = groups.get(key);
      if (g === undefined) {
        groups.set(key, (g = keys.length));
        keys.push(key);
        counts.push(0);
        sums.push(0);
        errors.push(0);
      }
      counts[g]++;
      const r = this._revenue[i];
      if (r === r) {
        // Kahan-Babuska-Neumaier, as SQLite's sum().
        const s = sums[g];
        const sum = s + r;
        errors[g] += Math.abs(s) > Math.abs(r) ? s - sum + r : r - sum + s;
        sums[g] = sum;
      }
      if (pairs) pairs[pairCount++] = g * people + who;
    }
    const users = new Array<number>(keys.length).fill(0);
    if (pairs) {
      const sorted = pairs.subarray(0, pairCount).sort();
      for (let j = 0; j < pairCount; j++) if (j === 0 || sorted[j] !== sorted[j - 1]) users[Math.floor(sorted[j] / people)]++;
    }
    // Without a bucket or a group SQL answers one row, even over no events.
    if (q.interval === undefined && q.by === undefined && keys.length === 0) {
      keys.push(0);
      counts.push(0);
      sums.push(0);
      errors.push(0);
      users.push(0);
    }
    const rows = keys.map((key, g) => {
      const row: CountRow = {};
      if (q.interval !== undefined) row.bucket = Math.floor(key / width);
      if (q.by !== undefined) {
        const value = key - Math.floor(key / width) * width;
        row.group = q.by === 'user' ? this._people.id(value) : q.by === 'category' ? (this._categoryOf[value] ?? null) : (this._nameOf[value] ?? null);
      }
      for (const m of q.measures) row[m] = m === 'count' ? counts[g] : m === 'users' ? users[g] : roundCents(sums[g] + errors[g]);
      return row;
    });
    return rows.sort((a, b) => (a.bucket ?? 0) - (b.bucket ?? 0) || compareText(a.group ?? null, b.group ?? null));
  }

  /**
   * Cohorts by each person's first bucket (of their orders when `name` is given, else of anything they did),
   * and how many of each cohort were active in each later bucket. `canonical[p]` is the person index that
   * person p's events count for (identities); people past its end count for themselves.
   */
  cohorts(q: TimeRange & { interval: 'week' | 'month'; name?: string; canonical?: Int32Array }): CohortCell[] {
    this._settle();
    const code = q.name === undefined ? -1 : this._names.get(q.name);
    if (code === undefined) return [];
    const bucketOf = this._bucketer(q.interval);
    const canonical = q.canonical ?? new Int32Array(0);
    // One key per event in range, person * 2^21 + bucket (buckets are small: weeks since 1970 < 2^21), sorted:
    // each person's keys are then together, smallest bucket first, and repeats adjacent.
    const keys = new Float64Array(this._length);
    let n = 0;
    const from = q.from ?? -Infinity;
    const to = q.to ?? Infinity;
    for (let i = 0; i < this._length; i++) {
      if (code !== -1 && this._name[i] !== code) continue;
      const t = this._time[i];
      if (t < from || t >= to) continue;
      const p = this._person[i];
      if (p === NO_ONE) continue;
      const who = p < canonical.length ? canonical[p] : p;
      keys[n++] = who * 2_097_152 + bucketOf(t);
    }
    const sorted = keys.subarray(0, n).sort();
    const cells = new Map<number, number>();
    let who = -1;
    let first = 0;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const key = sorted[i];
      if (key === last) continue;
      last = key;
      const person = Math.floor(key / 2_097_152);
      const bucket = key - person * 2_097_152;
      if (person !== who) {
        who = person;
        first = bucket;
      }
      const cell = first * 4096 + (bucket - first);
      cells.set(cell, (cells.get(cell) ?? 0) + 1);
    }
    return [...cells].map(([cell, people]) => ({ cohort: Math.floor(cell / 4096), offset: cell % 4096, people })).sort((a, b) => a.cohort - b.cohort || a.offset - b.offset);
  }

  /**
   * Ordered funnel: per group (`groupOf` a canonical person index; one group '' by default), how many people
   * reached each step, a step counting when done after the one before and within `windowMs` of the first.
   */
  funnel(q: TimeRange & { steps: readonly string[]; windowMs: number; canonical?: Int32Array }, groupOf: (person: number) => string = () => ''): Map<string, number[]> {
    this._settle();
    const stepOfCode = new Int16Array(this._nameOf.length).fill(-1);
    q.steps.forEach((name, k) => {
      const code = this._names.get(name);
      if (code !== undefined) stepOfCode[code] = k;
    });
    const canonical = q.canonical ?? new Int32Array(0);
    const from = q.from ?? -Infinity;
    const to = q.to ?? Infinity;
    // The step events in range, grouped by person with a counting sort (stable: log order within a person).
    const people = this._people.size;
    const start = new Int32Array(people + 1);
    const whoOf = new Int32Array(this._length);
    let n = 0;
    for (let i = 0; i < this._length; i++) {
      const t = this._time[i];
      if (stepOfCode[this._name[i]] === -1 || t < from || t >= to || this._person[i] === NO_ONE) {
        whoOf[i] = -1;
        continue;
      }
      const p = this._person[i];
      const who = p < canonical.length ? canonical[p] : p;
      whoOf[i] = who;
      start[who + 1]++;
      n++;
    }
    for (let p = 0; p < people; p++) start[p + 1] += start[p];
    const fill = start.slice(0, people);
    const order = new Int32Array(n);
    for (let i = 0; i < this._length; i++) if (whoOf[i] !== -1) order[fill[whoOf[i]]++] = i;

    const counts = new Map<string, number[]>();
    const run: [number, number][] = [];
    for (let p = 0; p < people; p++) {
      if (start[p] === start[p + 1]) continue;
      run.length = 0;
      for (let j = start[p]; j < start[p + 1]; j++) run.push([stepOfCode[this._name[order[j]]], this._time[order[j]]]);
      run.sort((a, b) => a[1] - b[1]);
      const reached = stepsReached(run, q.steps.length, q.windowMs);
      const group = groupOf(p);
      let list = counts.get(group);
      if (!list) counts.set(group, (list = new Array<number>(q.steps.length).fill(0)));
      for (let k = 0; k < reached; k++) list[k]++;
    }
    return counts;
  }

  private _codeOf(name: string): number {
    let code = this._names.get(name);
    if (code === undefined) {
      // Code 0 is "no name" (pages, identify...).
      code = this._names.size + 1;
      this._names.set(name, code);
      this._nameOf[code] = name;
    }
    return code;
  }

  private _categoryCode(category: unknown): number {
    if (category === undefined || category === null) return 0;
    if (typeof category !== 'string') {
      this._categoriesExact = false;
      return 0;
    }
    let code = this._categories.get(category);
    if (code === undefined) {
      if (this._categories.size >= 65_534) {
        this._categoriesExact = false;
        return 0;
      }
      code = this._categories.size + 1;
      this._categories.set(category, code);
      this._categoryOf[code] = category;
    }
    return code;
  }

  /** Bucket of a time; months through a table by day, so a million events make a few hundred Dates, not a million. */
  private _bucketer(interval: Interval): (t: number) => number {
    if (interval !== 'month') return BUCKET[interval];
    const byDay = new Map<number, number>();
    return (t) => {
      const day = Math.floor(t / DAY);
      let m = byDay.get(day);
      if (m === undefined) byDay.set(day, (m = BUCKET.month(t)));
      return m;
    };
  }

  /**
   * Twice the room. What is there moves into the new columns a slice per event added after (at a million events,
   * copying them at once stopped everything for 150 ms); a report first moves what is left.
   */
  private _grow(): void {
    this._settle();
    const size = this._time.length * 2;
    this._moving = { person: this._person, name: this._name, revenue: this._revenue, category: this._category, time: this._time, moved: 0 };
    this._person = new Int32Array(size);
    this._name = new Int32Array(size);
    this._revenue = new Float64Array(size);
    this._category = new Uint16Array(size);
    this._time = new Float64Array(size);
  }

  private _moveSome(n: number): void {
    const m = this._moving!;
    const end = Math.min(m.time.length, m.moved + n);
    this._person.set(m.person.subarray(m.moved, end), m.moved);
    this._name.set(m.name.subarray(m.moved, end), m.moved);
    this._revenue.set(m.revenue.subarray(m.moved, end), m.moved);
    this._category.set(m.category.subarray(m.moved, end), m.moved);
    this._time.set(m.time.subarray(m.moved, end), m.moved);
    m.moved = end;
    if (end === m.time.length) this._moving = null;
  }

  private _settle(): void {
    if (this._moving) this._moveSome(Infinity);
  }
}
