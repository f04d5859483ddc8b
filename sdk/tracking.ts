// The events a shop tracks (page views, any event, the e-commerce shorthands) and the envelope each goes
// out in: its ids, its time, the page it happened on and the visit.

import { VERSION, type Patron } from './api';
import { check, ids, type Core } from './core';
import { sessionId, uuid } from './ids';
import type { EventType, WireEvent } from './wire';

/** Queues an event, or holds it while consent is pending; never throws into the page. */
export function enqueue(core: Core, type: EventType, fields: Partial<WireEvent>): void {
  if (core._consent === 'denied') return;
  try {
    const { _win: win, _doc: doc, _nav: nav } = core;
    const loc = win?.location;
    const now = Date.now();
    const event: WireEvent = {
      type,
      messageId: uuid(),
      ...ids(core),
      timestamp: new Date(now).toISOString(),
      ...fields,
      // Fields left undefined (no window: a test, a server render) are left out of the JSON.
      context: {
        page: loc && doc && { url: loc.href, path: loc.pathname, search: loc.search, referrer: doc.referrer, title: doc.title },
        userAgent: nav?.userAgent,
        locale: nav?.language,
        library: { name: 'patron.js', version: VERSION },
        sessionId: sessionId(core._storage, now, core._options.sessionTimeout ?? 30 * 60_000),
      },
    };
    if (core._consent === 'pending') core._held.push(event);
    else core._queue._push(event);
  } catch (error) {
    core._debug('not queued', error);
  }
}

export function tracking(core: Core): Pick<Patron, 'page' | 'track' | 'productViewed' | 'productAdded' | 'orderCompleted'> {
  const track: Patron['track'] = (event, properties) => {
    check(typeof event === 'string' && event, 'patron.track needs an event name');
    enqueue(core, 'track', { event, properties: properties ?? {} });
  };
  return {
    page: (name, properties) => enqueue(core, 'page', { name: name || undefined, properties: properties ?? {} }),
    track,
    productViewed: (product) => track('Product Viewed', product),
    productAdded: (product) => track('Product Added', product),
    orderCompleted(order) {
      track('Order Completed', order);
      void core.flush(); // an order is the event a shop can least afford to lose
    },
  };
}
