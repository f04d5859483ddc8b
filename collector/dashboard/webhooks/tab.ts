// The webhooks tab (admin key): every subscription with its state, why Patron paused or disabled it, and its
// deliveries pending, delivered and failed; the one opened with its delivery log. Every cell is text.

import { byId, el, type Api } from '../api';
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

function cells(...values: string[]): HTMLTableRowElement {
  const tr = el('tr');
  tr.append(...values.map((v) => el('td', {}, v)));
  return tr;
}

export function createWebhooksTab(api: Api | null) {
  async function refresh(selected?: string) {
    byId('webhooks-admin').hidden = api !== null;
    byId('webhooks-view').hidden = api === null;
    if (!api) return;
    const { subscriptions } = await api<{ subscriptions: Subscription[] }>('GET', '/v1/webhooks');
    byId('webhook-none').hidden = subscriptions.length > 0;
    byId('webhook-list').replaceChildren(
      ...subscriptions.map((s) => {
        const tr = el('tr', { 'data-subscription': s.id });
        const link = el('td');
        link.append(el('a', { href: `#webhooks/${s.id}` }, s.id));
        const d = s.deliveries;
        tr.append(
          link,
          el('td', {}, s.url),
          el('td', {}, s.events.join(', ')),
          el('td', {}, s.reason ? `${s.state}: ${s.reason}` : s.state),
          el('td', { class: 'num' }, `${number.format(d.pending)} / ${number.format(d.delivered)} / ${number.format(d.failed)}`),
        );
        return tr;
      }),
    );
    const id = subscriptions.find((s) => s.id === selected)?.id ?? subscriptions[0]?.id;
    const log = byId('webhook-deliveries');
    log.hidden = !id;
    if (!id) return;
    byId('webhook-deliveries-title').textContent = `Deliveries of ${id}`;
    const { deliveries } = await api<{ deliveries: DeliveryRow[] }>('GET', `/v1/webhooks/${encodeURIComponent(id)}/deliveries?limit=50`);
    log.querySelector('tbody')!.replaceChildren(
      ...deliveries.map((x) => {
        const last = x.log.at(-1);
        return cells(
          x.createdAt.replace('T', ' ').slice(0, 19),
          x.type,
          x.id,
          x.state,
          String(x.attempts),
          last ? `${last.status ?? '—'} in ${last.durationMs} ms` : '—',
          last?.excerpt.slice(0, 120) ?? '',
        );
      }),
    );
  }
  return { refresh };
}
