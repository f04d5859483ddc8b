// Who did what when, for every stored event, in three typed columns: the cohort and funnel reports read a
// million events here in tens of milliseconds, where SQL must sort every row by a text id first (two
// seconds). About 14 bytes an event. People are the ids on the events (the user's, else the anonymous
// id); the caller says at query time which of them are one person (identify can come late).

import { IdIndex } from './ids';

const DAY = 86_400_000;

export type Interval = 'day' | 'week' | 'month';

/** Integer buckets of a time, shared with the SQL store: days since the epoch, weeks from Monday, months. */
export const BUCKET = {
  day: (t: number) => Math.floor(t / DAY),
  // Day 0 of the epoch was a Thursday: + 3 starts weeks on Monday.
  week: (t: number) => Math.floor((Math.floor(t / DAY) + 3) / 7),
  month: (t: number) => {
    const d = new Date(t);
    return d.getUTCFullYear() * 12 + d.getUTCMonth();
  },
} satisfies Record<Interval, (t: number) => number>;

/** A bucket's name: the day, the Monday a week starts on, or YYYY-MM. */
export const BUCKET_NAME = {
  day: (n: number) => new Date(n * DAY).toISOString().slice(0, 10),
  week: (n: number) => new Date((n * 7 - 3) * DAY).toISOString().slice(0, 10),
  month: (n: number) => `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`,
} satisfies Record<Interval, (n: number) => string>;

export interface TimeRange {
  /** Inclusive, ms since the epoch. */
  from?: number;
  /** Exclusive. */
  to?: number;
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

export class EventLog {
  private readonly _people = new IdIndex();
  private readonly _names = new Map<string, number>();
  private _person = new Int32Array(1024);
  private _name = new Uint16Array(1024);
  private _time = new Float64Array(1024);
  private _length = 0;

  /** Records one event: `person` the id on it (userId, else anonymousId), `name` its event (or page) name. */
  add(person: string, name: string | null, time: number): void {
    if (this._length === this._time.length) this._grow();
    const i = this._length++;
    this._person[i] = this._people.intern(person);
    this._name[i] = name === null ? 0 : this._codeOf(name);
    this._time[i] = time;
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
    return this._time.byteLength + this._person.byteLength + this._name.byteLength;
  }

  /**
   * Cohorts by each person's first bucket (of their orders when `name` is given, else of anything they did),
   * and how many of each cohort were active in each later bucket. `canonical[p]` is the person index that
   * person p's events count for (identities); people past its end count for themselves.
   */
  cohorts(q: TimeRange & { interval: 'week' | 'month'; name?: string; canonical?: Int32Array }): CohortCell[] {
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
    return [...cells]
      .map(([cell, people]) => ({ cohort: Math.floor(cell / 4096), offset: cell % 4096, people }))
      .sort((a, b) => a.cohort - b.cohort || a.offset - b.offset);
  }

  /**
   * Ordered funnel: per group (`groupOf` a canonical person index; one group '' by default), how many people
   * reached each step, a step counting when done after the one before and within `windowMs` of the first.
   */
  funnel(q: TimeRange & { steps: readonly string[]; windowMs: number; canonical?: Int32Array }, groupOf: (person: number) => string = () => ''): Map<string, number[]> {
    const stepOfCode = new Int16Array(65_536).fill(-1);
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
      if (stepOfCode[this._name[i]] === -1 || t < from || t >= to) {
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
      // Code 0 is "no name" (pages, identify...); names past 65,535 distinct share the last code.
      code = Math.min(this._names.size + 1, 65_535);
      if (code < 65_535) this._names.set(name, code);
    }
    return code;
  }

  /** Bucket of a time; months through a table by day, so a million events make a few hundred Dates, not a million. */
  private _bucketer(interval: 'week' | 'month'): (t: number) => number {
    if (interval === 'week') return BUCKET.week;
    const byDay = new Map<number, number>();
    return (t) => {
      const day = Math.floor(t / DAY);
      let m = byDay.get(day);
      if (m === undefined) byDay.set(day, (m = BUCKET.month(t)));
      return m;
    };
  }

  private _grow(): void {
    const size = this._time.length * 2;
    const person = new Int32Array(size);
    person.set(this._person);
    this._person = person;
    const name = new Uint16Array(size);
    name.set(this._name);
    this._name = name;
    const time = new Float64Array(size);
    time.set(this._time);
    this._time = time;
  }
}
