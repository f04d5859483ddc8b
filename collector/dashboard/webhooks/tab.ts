// The webhooks tab (admin key): every subscription with its state, why Patron paused or disabled it, and its
// deliveries pending, delivered and failed, paused or resumed with a click; a form that subscribes an endpoint
// and shows its secret once; the one opened with its delivery log, each delivery or a time range replayed.
// Every cell is text.

import { ApiError, byId, el, type Api } from '../api';
import { number } from '../overview/format';

interface Subscription {
  id: string;
  url: string;
  events: string[];
  state: string;
  reason: string | null;
  deliveries: { pending: number; delivered: number; failed: number };
}

interface DeliveryRow {
  id: string;
  type: string;
  state: string;
  attempts: number;
  createdAt: string;
  dueAt: string | null;
  log: { at: string; status: number | null; durationMs: number; excerpt: string }[];
}

// As the API names them (it refuses any other, naming the field).
const EVENTS = ['customer.stage_changed', 'customer.churn_risk_changed', 'customer.rfm_group_changed', 'customer.segment_changed', 'customer.value_dropped', 'order.completed', 'experiment.decided'];
const TRAITS = ['segment', 'stage', 'churnRisk', 'rfmGroup', 'clv', 'orders', 'revenue'];

function checkboxes(fieldset: HTMLElement, name: string, values: string[]): void {
  fieldset.querySelectorAll('label').forEach((l) => l.remove());
  for (const v of values) {
    const label = el('label', { class: 'check' });
    label.append(el('input', { type: 'checkbox', name, value: v }), ` ${v}`);
    fieldset.append(label);
  }
}

function showErrors(error: unknown): void {
  const issues = !error ? [] : error instanceof ApiError && error.issues.length ? error.issues : [{ path: '', message: (error as Error).message }];
  byId('webhook-errors').replaceChildren(...issues.map((i) => el('li', {}, `${i.path ? `${i.path}: ` : ''}${i.message}`)));
}

/** The form's subscription as the API takes it (empty filters left out). */
function definitionOf(form: HTMLFormElement) {
  const data = new FormData(form);
  const text = (name: string) => {
    const v = data.get(name);
    return typeof v === 'string' ? v.trim() : '';
  };
  const filters: Record<string, string | number> = {};
  if (text('segment')) filters.segment = text('segment');
  if (text('stage')) filters.stage = text('stage');
  if (text('minClv')) filters.minClv = Number(text('minClv'));
  return { url: text('url'), events: data.getAll('events').map(String), traits: data.getAll('traits').map(String), filters };
}

function button(text: string, onClick: () => Promise<void>): HTMLButtonElement {
  const b = el('button', { type: 'button' }, text);
  b.addEventListener('click', () => void onClick().catch(showErrors));
  return b;
}

function cells(...values: string[]): HTMLTableRowElement {
  const tr = el('tr');
  tr.append(...values.map((v) => el('td', {}, v)));
  return tr;
}

export function createWebhooksTab(api: Api | null) {
  let opened: string | undefined;

  function wire(api: Api): void {
    const form = byId<HTMLFormElement>('webhook-form');
    if (form.dataset.wired) return;
    form.dataset.wired = 'true';
    checkboxes(byId('webhook-events'), 'events', EVENTS);
    checkboxes(byId('webhook-traits'), 'traits', TRAITS);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void (async () => {
        const made = await api<{ id: string; secret: string }>('POST', '/v1/webhooks', definitionOf(form));
        showErrors(null);
        const secret = byId('webhook-secret');
        secret.querySelector('code')!.textContent = made.secret;
        secret.hidden = false;
        form.reset();
        await refresh(made.id);
      })().catch(showErrors);
    });
    const range = byId<HTMLFormElement>('webhook-replay-range');
    range.addEventListener('submit', (e) => {
      e.preventDefault();
      const data = new FormData(range);
      const at = (name: string) => new Date(data.get(name) as string).toISOString();
      void (async () => {
        const { replayed } = await api<{ replayed: number }>('POST', `/v1/webhooks/${encodeURIComponent(opened!)}/replay`, { from: at('from'), to: at('to') });
        byId('webhook-replayed').textContent = `${number.format(replayed)} replayed`;
        await refresh(opened);
      })().catch(showErrors);
    });
  }

  async function refresh(selected?: string) {
    byId('webhooks-admin').hidden = api !== null;
    byId('webhooks-view').hidden = api === null;
    if (!api) return;
    wire(api);
    const { subscriptions } = await api<{ subscriptions: Subscription[] }>('GET', '/v1/webhooks');
    byId('webhook-none').hidden = subscriptions.length > 0;
    byId('webhook-list').replaceChildren(...subscriptions.map((s) => subscriptionRow(api, s)));
    opened = subscriptions.find((s) => s.id === selected)?.id ?? subscriptions[0]?.id;
    const log = byId('webhook-deliveries');
    log.hidden = !opened;
    if (!opened) return;
    const id = opened;
    byId('webhook-deliveries-title').textContent = `Deliveries of ${id}`;
    const { deliveries } = await api<{ deliveries: DeliveryRow[] }>('GET', `/v1/webhooks/${encodeURIComponent(id)}/deliveries?limit=50`);
    log.querySelector('tbody')!.replaceChildren(
      ...deliveries.map((x) => {
        const last = x.log.at(-1);
        const tr = cells(
          x.createdAt.replace('T', ' ').slice(0, 19),
          x.type,
          x.id,
          x.state,
          String(x.attempts),
          last ? `${last.status ?? '—'} in ${last.durationMs} ms` : '—',
          last?.excerpt.slice(0, 120) ?? '',
        );
        const action = el('td');
        action.append(button('Replay', async () => void (await api('POST', `/v1/webhooks/${encodeURIComponent(id)}/replay`, { ids: [x.id] }), await refresh(id))));
        tr.append(action);
        return tr;
      }),
    );
  }

  function subscriptionRow(api: Api, s: Subscription): HTMLTableRowElement {
    const tr = el('tr', { 'data-subscription': s.id });
    const link = el('td');
    link.append(el('a', { href: `#webhooks/${s.id}` }, s.id));
    const d = s.deliveries;
    const action = el('td');
    const next = s.state === 'enabled' ? 'pause' : 'resume';
    action.append(button(next === 'pause' ? 'Pause' : 'Resume', async () => void (await api('POST', `/v1/webhooks/${encodeURIComponent(s.id)}/${next}`, {}), await refresh(opened))));
    tr.append(
      link,
      el('td', {}, s.url),
      el('td', {}, s.events.join(', ')),
      el('td', {}, s.reason ? `${s.state}: ${s.reason}` : s.state),
      el('td', { class: 'num' }, `${number.format(d.pending)} / ${number.format(d.delivered)} / ${number.format(d.failed)}`),
      action,
    );
    return tr;
  }

  return { refresh };
}
