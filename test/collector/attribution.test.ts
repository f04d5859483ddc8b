import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, catalog, event, get, post, put, startCollector, type Running } from './helpers';

let c: Running;
beforeAll(async () => {
  c = await startCollector();
  await put(`${c.url}/v1/catalog/items`, catalog(['kettle', 'beans', 'mug']));
});
afterAll(() => c.stop());

const ctx = (sessionId: string) => ({ context: { sessionId } });
const track = (name: string, properties: object, anonymousId: string, sessionId: string, timestamp: string) =>
  event({ type: 'track', event: name, anonymousId, properties: properties as never, ...ctx(sessionId), timestamp });

describe('attribution and the slot report', () => {
  it('attributes an order in the same visit that contains a clicked product to the slot', async () => {
    const day = '2026-06-01';
    const at = (hh: string) => `${day}T${hh}:00:00.000Z`;
    const batch = [
      track('Recommendation Viewed', { slot: 'pdp', recommendation_id: 'r1', products: [{ product_id: 'kettle', position: 0 }] }, 'v1', 's1', at('10')),
      track('Recommendation Viewed', { slot: 'pdp', recommendation_id: 'r2', products: [{ product_id: 'mug', position: 0 }] }, 'v2', 's2', at('10')),
      track('Recommendation Viewed', { slot: 'home', recommendation_id: 'r3', products: [{ product_id: 'beans', position: 0 }] }, 'v1', 's1', at('10')),
      track('Recommendation Clicked', { slot: 'pdp', recommendation_id: 'r1', product_id: 'kettle', position: 0 }, 'v1', 's1', at('11')),
      track(
        'Order Completed',
        {
          order_id: 'o-1',
          revenue: 72,
          products: [
            { product_id: 'kettle', price: 60, quantity: 1 },
            { product_id: 'beans', price: 12, quantity: 1 },
          ],
        },
        'v1',
        's1',
        at('12'),
      ),
      // the same product bought in another visit: not the slot's doing
      track('Order Completed', { order_id: 'o-2', revenue: 60, products: [{ product_id: 'kettle', price: 60, quantity: 1 }] }, 'v1', 's9', at('13')),
    ];
    expect((await post(`${c.url}/v1/batch`, { batch })).body.accepted).toBe(batch.length);

    expect((await get(`${c.url}/v1/reports/slots`)).status).toBe(401);
    const report = (await get(`${c.url}/v1/reports/slots`, KEYS.analyst[0], true)).body;
    expect(report.days).toEqual([
      { day, slot: 'home', impressions: 1, clicks: 0, orders: 0, revenue: 0, ctr: 0 },
      { day, slot: 'pdp', impressions: 2, clicks: 1, orders: 1, revenue: 60, ctr: 0.5 },
    ]);
    expect(report.slots.find((s: any) => s.slot === 'pdp')).toEqual({ slot: 'pdp', impressions: 2, clicks: 1, orders: 1, revenue: 60, ctr: 0.5 });
    const onlyHome = (await get(`${c.url}/v1/reports/slots?slot=home&from=2026-06-01&to=2026-06-01`, KEYS.analyst[0], true)).body;
    expect(onlyHome.days.map((d: any) => d.slot)).toEqual(['home']);
    expect((await get(`${c.url}/v1/reports/slots?from=2026-06-02`, KEYS.analyst[0], true)).body.days).toEqual([]);
    const csv = await fetch(`${c.url}/v1/reports/slots?format=csv`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).trim().split('\n')).toEqual(['day,slot,impressions,clicks,ctr,orders,revenue', `${day},home,1,0,0,0,0`, `${day},pdp,2,1,0.5,1,60`]);
    const bad = await get(`${c.url}/v1/reports/slots?from=June`, KEYS.analyst[0], true);
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('from');
  });

  it('counts a re-sent event once, and nothing twice after a restart', async () => {
    const click = track('Recommendation Clicked', { slot: 'pdp', recommendation_id: 'r4', product_id: 'mug', position: 1 }, 'v3', 's3', '2026-06-01T14:00:00.000Z');
    await post(`${c.url}/v1/batch`, { batch: [click] });
    await post(`${c.url}/v1/batch`, { batch: [click] }); // a retry
    const dir = c.dir;
    await c.stop();
    c = await startCollector({}, dir);
    const pdp = (await get(`${c.url}/v1/reports/slots?slot=pdp`, KEYS.analyst[0], true)).body.slots[0];
    expect(pdp).toMatchObject({ impressions: 2, clicks: 2, orders: 1, revenue: 60 });
    // the restarted collector still knows the click: an order in that visit is attributed
    await post(`${c.url}/v1/batch`, { batch: [track('Order Completed', { order_id: 'o-3', products: [{ product_id: 'mug', price: 15, quantity: 2 }] }, 'v3', 's3', '2026-06-01T15:00:00.000Z')] });
    const after = (await get(`${c.url}/v1/reports/slots?slot=pdp`, KEYS.analyst[0], true)).body.slots[0];
    expect(after).toMatchObject({ orders: 2, revenue: 90 });
  });

  it('attributes an order to a click sent before the shopper was known, whichever batch each came in', async () => {
    // A server-side client sends no session id: the visit is the person, whose id changes at identify.
    const click = event({ type: 'track', event: 'Recommendation Clicked', anonymousId: 'anon-x', properties: { slot: 'srv', recommendation_id: 'r9', product_id: 'beans', position: 0 } });
    await post(`${c.url}/v1/batch`, { batch: [click] });
    const order = event({ type: 'track', event: 'Order Completed', anonymousId: 'anon-x', properties: { order_id: 'o-9', products: [{ product_id: 'beans', price: 12, quantity: 1 }] } });
    const identify = event({ type: 'identify', anonymousId: 'anon-x', userId: 'user-x' });
    await post(`${c.url}/v1/batch`, { batch: [order, identify] });
    const srv = (await get(`${c.url}/v1/reports/slots?slot=srv`, KEYS.analyst[0], true)).body.slots[0];
    expect(srv).toMatchObject({ clicks: 1, orders: 1, revenue: 12 });
  });
});
