// The merchant's experiments, kept in memory beside the store: their life (scheduled, running, paused,
// stopped), which variant each visitor gets, and who was exposed to what, followed from the event stream.
//
// The assignment rule: a visitor's variant is the one recorded at their first exposure (an `Experiment Viewed`
// event) under the person they are now; so a visitor identified later keeps it, and a user on a second device
// gets the one recorded for that user. Until a first exposure it is GrowthBook's hash (version 2) of the
// experiment's id and the visitor's anonymous id (the user id when there is none) into the variants' ranges.

import { bucketOf, ExposureLedger, variantOf, type IdIndex } from '../../recommender';
import { variationsOf, type ExperimentDefinition, type ExperimentRecord, type ExperimentState } from '../domain/experiment';
import type { SlotConfig } from '../domain/slot-config';
import type { StoredEvent } from '../domain/stored-event';
import { HttpError } from '../http/errors';
import type { Identities } from '../identity/identities';
import { orderRevenue, type EventFollower } from '../models/learner';
import type { ExperimentStore } from '../store/store';
import type { ExperimentVariant } from '../../sdk/wire';

/** The most experiments kept (each keeps its exposures in memory; a stopped one keeps its results). */
export const MAX_EXPERIMENTS = 200;
// Exposures a little before the start or after the stop are a client's clock or its queue, not a new visitor.
const EARLY_MS = 5 * 60_000;
const LATE_MS = 60 * 60_000;

/** A variant as served: which experiment, which variation (the properties of the page's Experiment Viewed). */
export type Assigned = ExperimentVariant;

export class Experiment {
  readonly variations: { id: string; weight: number }[];
  readonly weights: number[];
  readonly ledger: ExposureLedger;
  /** Exposures naming a variation other than the visitor's (a tampered or stale page): not counted. */
  mismatched = 0;

  constructor(
    public record: ExperimentRecord,
    people: IdIndex,
  ) {
    this.variations = variationsOf(record.definition);
    const total = this.variations.reduce((a, v) => a + v.weight, 0);
    this.weights = this.variations.map((v) => v.weight / total);
    this.ledger = new ExposureLedger(people, this.until);
  }

  get id(): string {
    return this.record.definition.id;
  }

  get definition(): ExperimentDefinition {
    return this.record.definition;
  }

  /** When it stops counting: stopped by the merchant, or its end. */
  get until(): number {
    const end = this.record.definition.endAt ? Date.parse(this.record.definition.endAt) : Infinity;
    return Math.min(end, this.record.stoppedAt ?? Infinity);
  }

  stateAt(now: number): ExperimentState {
    if (this.record.status === 'stopped' || now >= this.until) return 'stopped';
    if (this.record.status === 'paused') return 'paused';
    return now < this.record.startAt ? 'scheduled' : 'running';
  }

  /** The variant index by the hash of the visitor's id. */
  hashed(visitorId: string): number {
    const v = variantOf(bucketOf(this.id, visitorId), this.weights);
    return v < 0 ? this.weights.length - 1 : v; // weights summing to a hair under 1
  }
}

export class Experiments implements EventFollower {
  private readonly _all = new Map<string, Experiment>();

  constructor(
    private readonly _store: ExperimentStore,
    private readonly _identities: Identities,
    private readonly _people: IdIndex,
    private readonly _now: () => number = Date.now,
  ) {}

  async load(): Promise<void> {
    for (const record of await this._store.listExperiments()) this._all.set(record.definition.id, new Experiment(record, this._people));
  }

  get(id: string): Experiment | undefined {
    return this._all.get(id);
  }

  /** Every experiment, newest first. */
  list(): Experiment[] {
    return [...this._all.values()].reverse();
  }

  /** Starts an experiment (at its startAt, or now); 409 when the id is taken or its target is under test already. */
  async create(definition: ExperimentDefinition): Promise<Experiment> {
    const now = this._now();
    if (this._all.has(definition.id)) throw new HttpError(409, 'conflict', `An experiment named ${definition.id} exists; start a new one under another id`, [{ path: 'id', message: 'is taken' }]);
    if (this._all.size >= MAX_EXPERIMENTS) throw new HttpError(409, 'conflict', `At most ${MAX_EXPERIMENTS} experiments are kept`);
    const clash = [...this._all.values()].find((x) => x.stateAt(now) !== 'stopped' && sameTarget(x.definition, definition));
    if (clash) throw new HttpError(409, 'conflict', `Experiment ${clash.id} tests the same ${targetOf(definition)}; stop it first`, [{ path: targetPath(definition), message: 'is under test' }]);
    const startAt = definition.startAt ? Date.parse(definition.startAt) : now;
    const record: ExperimentRecord = { definition, status: 'active', createdAt: now, updatedAt: now, startAt, stoppedAt: null };
    await this._store.saveExperiment(record);
    const experiment = new Experiment(record, this._people);
    this._all.set(definition.id, experiment);
    return experiment;
  }

  /** pause, resume or stop; a stopped experiment stays stopped (its results are kept). */
  async transition(id: string, action: 'pause' | 'resume' | 'stop'): Promise<Experiment> {
    const x = this._all.get(id);
    if (!x) throw new HttpError(404, 'not_found', `No experiment named ${id}`);
    const now = this._now();
    if (x.stateAt(now) === 'stopped') throw new HttpError(409, 'conflict', `Experiment ${id} has stopped; start a new one`);
    const status = action === 'pause' ? 'paused' : action === 'resume' ? 'active' : 'stopped';
    x.record = { ...x.record, status, updatedAt: now, ...(status === 'stopped' ? { stoppedAt: now } : {}) };
    x.ledger.until = x.until;
    await this._store.saveExperiment(x.record);
    return x;
  }

  /** The running experiment on a slot, the visitor's variant in it and what the slot then shows. */
  forSlot(slot: string, anonymousId?: string, userId?: string): { assigned: Assigned; unfilled: boolean; config?: SlotConfig } | undefined {
    const x = this._running((d) => d.kind === 'slot' && d.slot === slot);
    if (!x || x.definition.kind !== 'slot') return undefined;
    const v = this.variantOf(x, anonymousId, userId);
    const variant = x.definition.variants[v];
    return { assigned: { experiment_id: x.id, variation_id: variant.id }, unfilled: variant.unfilled, config: variant.config };
  }

  /** The running holdout, and whether the visitor is held out of all personalisation. */
  holdout(anonymousId?: string, userId?: string): { assigned: Assigned; held: boolean } | undefined {
    const x = this._running((d) => d.kind === 'holdout');
    if (!x) return undefined;
    const v = this.variantOf(x, anonymousId, userId);
    return { assigned: { experiment_id: x.id, variation_id: x.variations[v].id }, held: v === 0 };
  }

  /** The running content experiments, with whether the visitor is shown each block. */
  forContent(anonymousId?: string, userId?: string): Assigned[] {
    const now = this._now();
    const out: Assigned[] = [];
    for (const x of this._all.values()) {
      const d = x.definition;
      if (d.kind !== 'content' || x.stateAt(now) !== 'running') continue;
      const variant = d.variants[this.variantOf(x, anonymousId, userId)];
      out.push({ experiment_id: x.id, variation_id: variant.id, content: d.content, shown: variant.shown });
    }
    return out;
  }

  /** The visitor's variant: the one of their first exposure, else the hash of their id. */
  variantOf(x: Experiment, anonymousId?: string, userId?: string): number {
    const person = this._identities.personOf(anonymousId, userId);
    let v = person === undefined ? -1 : x.ledger.variantOf(person);
    // Exposed while anonymous, and the tie to the user not learnt yet.
    if (v < 0 && anonymousId && person !== anonymousId) v = x.ledger.variantOf(anonymousId);
    if (v >= 0) return v;
    const visitor = anonymousId ?? userId;
    return visitor === undefined ? 0 : x.hashed(visitor);
  }

  learn(e: StoredEvent, person: string): void {
    if (e.type !== 'track') return;
    if (e.event === 'Experiment Viewed') this._exposed(e, person);
    else if (e.event === 'Order Completed') for (const x of this._all.values()) x.ledger.order(person, e.timestamp, orderRevenue(e.properties));
  }

  merge(from: string, into: string): void {
    for (const x of this._all.values()) x.ledger.merge(from, into);
  }

  forget(ids: readonly string[]): void {
    for (const x of this._all.values()) for (const id of ids) x.ledger.forget(id);
  }

  /** A first exposure counts when it names the visitor's own variant while the experiment ran. */
  private _exposed(e: StoredEvent, person: string): void {
    const id = e.properties.experiment_id;
    const x = typeof id === 'string' ? this._all.get(id) : undefined;
    if (!x || x.ledger.variantOf(person) >= 0) return;
    if (e.timestamp < x.record.startAt - EARLY_MS || e.timestamp > x.until + LATE_MS) return;
    const v = this.variantOf(x, e.anonymousId ?? undefined, e.userId ?? undefined);
    if (x.variations[v].id !== e.properties.variation_id) x.mismatched++;
    else x.ledger.expose(person, v, e.timestamp);
  }

  private _running(match: (d: ExperimentDefinition) => boolean): Experiment | undefined {
    const now = this._now();
    for (const x of this._all.values()) if (match(x.definition) && x.stateAt(now) === 'running') return x;
    return undefined;
  }
}

const targetOf = (d: ExperimentDefinition) => (d.kind === 'slot' ? `slot ${d.slot}` : d.kind === 'content' ? `content ${d.content}` : 'holdout of all personalisation');
const targetPath = (d: ExperimentDefinition) => (d.kind === 'holdout' ? 'kind' : d.kind);
const sameTarget = (a: ExperimentDefinition, b: ExperimentDefinition) => targetOf(a) === targetOf(b);
