// GET /health: whether the collector can store events (`ok`), what is wrong if anything (in `problems`, one
// sentence each), the state of its ingest journal, and a few counts. It answers from what the store keeps in
// memory and waits only a moment for the counts, so a monitor hears back even while the disk is full.

import { route, type Route } from '../http/route';
import type { Services } from '../services';
import type { Store } from '../store/store';

// The counts wait for the tables to catch up with the journal, which a failing disk can hold back for as long
// as it fails.
const COUNTS_WAIT_MS = 2000;

export function healthRoute({ store, catalog, insights }: Services): Route {
  return route({
    method: 'get',
    path: '/health',
    summary: 'Whether events can be stored, what is wrong, and counts',
    role: null,
    handle: async () => {
      const { unwritable, problems, journal } = store.condition();
      const counted = await counts(store);
      if (typeof counted === 'string') problems.push(`the events are not counted: ${counted}`);
      const [events, droppedByClients] = typeof counted === 'string' ? [null, null] : counted;
      return { ok: unwritable === null, events, catalog: catalog.size, segments: insights.segments.length, droppedByClients, problems, journal };
    },
  });
}

/** The stored events and the events clients dropped, or why they cannot be counted now. */
async function counts(store: Store): Promise<[number, number] | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(resolve, COUNTS_WAIT_MS, `no answer within ${COUNTS_WAIT_MS / 1000} s`)));
  try {
    return await Promise.race([Promise.all([store.countEvents(), store.clientDropped()]), late]);
  } catch (error) {
    return (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}
