// GET /health: whether the collector can store events (`ok`), what is wrong if anything (in `problems`, one
// sentence each), the state of its ingest journal, and a few counts. It answers from what the store keeps in
// memory and waits only a moment for the counts (counts.ts), so a monitor hears back even while the disk is full
// or a flood keeps the tables behind.

import { route, type Route } from '../http/route';
import type { Services } from '../services';
import { HealthCounts } from './counts';

export function healthRoute({ store, catalog, insights, webhooks, suppression }: Services): Route {
  const counts = new HealthCounts(store);
  return route({
    method: 'get',
    path: '/health',
    summary: 'Whether events can be stored, what is wrong, and counts',
    role: null,
    handle: async () => {
      const { unwritable, problems, journal } = store.condition();
      const counted = await counts.read();
      if (typeof counted === 'string') problems.push(`the events are not counted: ${counted}`);
      const [events, droppedByClients, countedAt] = typeof counted === 'string' ? [null, null, null] : [counted.events, counted.droppedByClients, new Date(counted.at).toISOString()];
      // A subscription Patron stopped sending to is the merchant's to look at (the reason names no URL).
      const subscriptions = webhooks.list();
      for (const s of subscriptions)
        if (s.state === 'disabled' || (s.state === 'paused' && s.reason !== 'paused by the merchant')) problems.push(`webhook subscription ${s.id} is ${s.state}: ${s.reason}`);
      const byState = (state: string) => subscriptions.filter((s) => s.state === state).length;
      const hooks = { subscriptions: subscriptions.length, enabled: byState('enabled'), paused: byState('paused'), disabled: byState('disabled') };
      return {
        ok: unwritable === null,
        events,
        countedAt,
        catalog: catalog.size,
        segments: insights.segments.length,
        droppedByClients,
        suppression: { people: suppression.size, droppedEvents: suppression.dropped },
        webhooks: hooks,
        problems,
        journal,
      };
    },
  });
}
