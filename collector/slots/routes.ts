// Slots over HTTP: the storefront's request for a slot's products (write key, on the fast path), the
// merchant's slot configuration (admin key), and the analysts' slot report.

import { z } from 'zod';
import { slotConfigSchema, slotNameSchema, type SlotConfig } from '../domain/slot-config';
import { HttpError } from '../http/errors';
import { parsed, reply, route, type Route } from '../http/route';
import type { Attribution } from './attribution';
import type { Recommendations } from './recommend';
import { recommendationQuerySchema, slotReportQuerySchema } from './schemas';
import type { Slot, Slots } from './slots';

const slotBody = (s: Slot) => ({ name: s.name, ...s.config, updatedAt: new Date(s.updatedAt).toISOString() });
const nameOf = (params: Record<string, string>) => parsed(slotNameSchema, params.name, 'slot name');
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
      handle: ({ query }) => recommendations.forRequest(query),
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
      params: { name: 'slot name' },
      responses: { '404': 'no such slot' },
      handle: ({ params }) => {
        const name = nameOf(params);
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
      params: { name: 'slot name' },
      body: slotConfigSchema as z.ZodType<SlotConfig>,
      bodyName: 'slot',
      handle: async ({ params, body }) => {
        const { slot, created } = await slots.put(nameOf(params), body);
        return reply.json(created ? 201 : 200, slotBody(slot));
      },
    }),
    route({
      method: 'delete',
      path: '/v1/slots/:name',
      summary: 'Remove a slot',
      role: 'admin',
      params: { name: 'slot name' },
      responses: { '204': 'removed', '404': 'no such slot' },
      handle: async ({ params }) => {
        const name = nameOf(params);
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
