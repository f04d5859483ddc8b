// GET /health: whether the collector can store events (`ok`), what is wrong if anything (in `problems`, one
// sentence each), the state of its ingest journal, and a few counts. It answers from what the store keeps in
// memory and waits only a moment for the counts (counts.ts), so a monitor hears back even while the disk is full
// or a flood keeps the tables behind.

import { route, type Route } from '../http/route';
import type { Services } from '../services';
import { HealthCounts } from './counts';

export function healthRoute({ store, catalog, insights }: Services): Route {
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
      return { ok: unwritable === null, events, countedAt, catalog: catalog.size, segments: insights.segments.length, droppedByClients, problems, journal };
    },
  });
}
