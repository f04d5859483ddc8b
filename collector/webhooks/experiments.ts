// experiment.decided webhooks: at each refit (the customer values clv_per_visitor reads are new then) every
// experiment that is running, or stopped since the last look, is analysed as the API shows it, and a decision that
// can be acted on (ship a variant, keep control, no difference at the planned sample, or fix the assignment) is
// sent once: the delivery's id comes from the experiment, the decision and its variant, so a restart that finds
// the same decision again queues nothing new.

import type { Experiment, Experiments } from '../experiments/experiments';
import type { ExperimentResults } from '../experiments/results';
import type { CustomerEvent, Webhooks } from './webhooks';

const ACTIONABLE = new Set(['ship', 'keep-control', 'no-difference', 'check-assignment']);

export class ExperimentWebhooks {
  /** Each experiment's last decision (its status), as this process saw it. */
  private readonly _status = new Map<string, string>();
  private _lastLook = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly _experiments: Experiments,
    private readonly _results: ExperimentResults,
    private readonly _webhooks: Webhooks,
    private readonly _now: () => number = Date.now,
  ) {}

  /** Analyses what may have been decided since the last look, and queues each new decision; how many deliveries. */
  async check(): Promise<number> {
    const now = this._now();
    // Nobody listens: the analyses are not worth their cost.
    if (!this._webhooks.wants('experiment.decided')) {
      this._lastLook = now;
      return 0;
    }
    const events: CustomerEvent[] = [];
    const seen = new Map<string, string>();
    for (const x of this._experiments.list()) {
      const state = x.stateAt(now);
      if (state === 'scheduled' || (state === 'stopped' && x.until <= this._lastLook)) continue;
      const event = await this._decided(x, now, seen);
      if (event) events.push(event);
    }
    const queued = await this._webhooks.emit(events);
    // Only once queued: a refusal leaves these decisions to be found again at the next refit.
    for (const [id, status] of seen) this._status.set(id, status);
    this._lastLook = now;
    return queued;
  }

  private async _decided(x: Experiment, now: number, seen: Map<string, string>): Promise<CustomerEvent | null> {
    const { decision } = await this._results.of(x);
    const before = this._status.get(x.id) ?? null;
    seen.set(x.id, decision.status);
    if (!ACTIONABLE.has(decision.status) || before === decision.status) return null;
    const variant = 'variant' in decision ? decision.variant : null;
    return {
      type: 'experiment.decided',
      customerId: null,
      at: now,
      from: before,
      to: decision.status,
      key: `${x.id}|${decision.status}|${variant ?? ''}`,
      data: {
        experiment: { id: x.id, name: x.definition.name, state: x.stateAt(now), url: this._webhooks.urlOf(`/v1/experiments/${encodeURIComponent(x.id)}/results`) },
        decision: { ...decision, variant },
      },
    };
  }
}
