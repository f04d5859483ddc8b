// Slots over HTTP: the storefront's request for a slot's products (write key, on the fast path), the
// merchant's slot configuration (admin key), and the analysts' slot report.

import { slotConfigSchema, slotNameSchema, type SlotConfig } from '../domain/slot-config';
import { HttpError } from '../http/errors';
import { reply, route, type Route } from '../http/route';
import type { Attribution } from './attribution';
import type { Recommendations } from './recommend';
import { recommendationQuerySchema, slotReportQuerySchema } from './schemas';
import type { Slot, Slots } from './slots';

const slotBody = (s: Slot) => ({ name: s.name, ...s.config, updatedAt: new Date(s.updatedAt).toISOString() });
const NAME = { name: { description: 'slot name', schema: slotNameSchema } };
const noSlot = (name: string) => new HttpError(404, 'not_found', `No slot named ${name}`);

export function slotRoutes(slots: Slots, recommendations: Recommendations, attribution: Attribution): Route[] {
  return [
    route({
      method: 'get',
      path: '/v1/recommendations',
      summary: "Recommendations for a merchant's slot, or an ad-hoc strategy",
      role: 'write',
      query: recommendationQuerySchema,
      responses: { '404': 'unknown slot' },
      fast: true,
      headers: { 'Cache-Control': 'no-store' },
      handle: ({ query }) => {
        const response = recommendations.forRequest(query);
        if (!response) throw new HttpError(404, 'unknown_slot', `No slot named ${query.slot}`, [{ path: 'slot', message: 'is not a configured slot' }]);
        return response;
      },
    }),
    route({
      method: 'get',
      path: '/v1/slots',
      summary: 'The configured recommendation slots',
      role: 'admin',
      handle: () => ({ slots: slots.list().map(slotBody) }),
    }),
    route({
      method: 'get',
      path: '/v1/slots/:name',
      summary: 'One slot',
      role: 'admin',
      params: NAME,
      responses: { '404': 'no such slot' },
      handle: ({ params }) => {
        const name = params.name;
        const slot = slots.get(name);
        if (!slot) throw noSlot(name);
        return slotBody(slot);
      },
    }),
    route<undefined, SlotConfig>({
      method: 'put',
      path: '/v1/slots/:name',
      summary: 'Create (201) or replace (200) a slot',
      role: 'admin',
      params: NAME,
      body: slotConfigSchema,
      bodyName: 'slot',
      handle: async ({ params, body }) => {
        const { slot, created } = await slots.put(params.name, body);
        return reply.json(created ? 201 : 200, slotBody(slot));
      },
    }),
    route({
      method: 'delete',
      path: '/v1/slots/:name',
      summary: 'Remove a slot',
      role: 'admin',
      params: NAME,
      responses: { '204': 'removed', '404': 'no such slot' },
      handle: async ({ params }) => {
        const name = params.name;
        if (!(await slots.remove(name))) throw noSlot(name);
        return reply.empty();
      },
    }),
    route({
      method: 'get',
      path: '/v1/reports/slots',
      summary: 'Impressions, clicks, attributed orders and revenue per slot and day',
      role: 'analyst',
      query: slotReportQuerySchema,
      handle: async ({ query }) => {
        const { format, ...q } = query;
        const report = await attribution.report(q);
        return format === 'csv' ? reply.csv('slots', ['day', 'slot', 'impressions', 'clicks', 'ctr', 'orders', 'revenue'], report.days) : report;
      },
    }),
  ];
}
