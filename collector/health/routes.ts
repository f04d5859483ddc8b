// GET /health: whether the collector is up, what is wrong if anything (in `problems`, one sentence each), the
// state of its ingest journal, and a few counts.

import { route, type Route } from '../http/route';
import type { Services } from '../services';

export function healthRoute({ store, catalog, insights }: Services): Route {
  return route({
    method: 'get',
    path: '/health',
    summary: 'Liveness, problems and counts',
    role: null,
    handle: async () => {
      const { problems, journal } = store.condition();
      const [events, droppedByClients] = await Promise.all([store.countEvents(), store.clientDropped()]);
      return { ok: true, events, catalog: catalog.size, segments: insights.segments.length, droppedByClients, problems, journal };
    },
  });
}
