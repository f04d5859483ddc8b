// The analysts' reports over HTTP (analyst key), each as JSON or CSV, and the export of every stored event.

import { reply, route, type Route } from '../http/route';
import type { EventQuery, EventStore } from '../store/store';
import { exportChunks } from './export';
import type { Reports } from './reports';
import { eventsQuerySchema, exportQuerySchema, funnelQuerySchema, retentionQuerySchema, topProductsQuerySchema } from './schemas';

type EventsParams = ReturnType<typeof eventsQuerySchema.parse>;

/** The query's parameters as the store's query: events comma-separated, `prop.<name>` filters as pairs. */
function eventQueryOf(params: EventsParams): EventQuery {
  const { event, type, from, to, userId, anonymousId, productId, interval, by, measures, format: _, limit, ...rest } = params;
  const properties = Object.entries(rest).map(([key, value]) => [key.slice('prop.'.length), value] as [string, string]);
  return {
    events: event
      ?.split(',')
      .map((e) => e.trim())
      .filter(Boolean),
    type,
    from,
    to,
    userId,
    anonymousId,
    productId,
    properties,
    interval,
    by,
    measures,
    limit,
  };
}

export function reportRoutes(reports: Reports, store: EventStore): Route[] {
  return [
    route({
      method: 'get',
      path: '/v1/query/events',
      summary: 'Counts, people and revenue over the stored events, filtered, bucketed and grouped',
      role: 'analyst',
      query: eventsQuerySchema,
      handle: async ({ query }) => {
        const q = eventQueryOf(query);
        const rows = await reports.queryEvents(q);
        if (query.format !== 'csv') return { rows };
        return reply.csv('events', [...(q.interval ? ['bucket'] : []), ...(q.by ? ['group'] : []), ...q.measures], rows);
      },
    }),
    route({
      method: 'get',
      path: '/v1/query/retention',
      summary: 'Cohort retention by first order or first visit',
      role: 'analyst',
      query: retentionQuerySchema,
      handle: async ({ query }) => {
        const { format, ...q } = query;
        await reports.settled();
        const { rows, cohorts } = reports.retention(q);
        return format === 'csv' ? reply.csv('retention', ['cohort', 'size', 'offset', 'customers', 'rate'], rows) : { interval: q.interval, basis: q.basis, cohorts };
      },
    }),
    route({
      method: 'get',
      path: '/v1/query/funnel',
      summary: 'People reaching each of ordered steps within a window, overall and per segment',
      role: 'analyst',
      query: funnelQuerySchema,
      handle: async ({ query }) => {
        const { steps, within, from, to, bySegment, format } = query;
        await reports.settled();
        const report = reports.funnel({ steps, windowMs: within, from, to }, bySegment === 'true');
        if (format !== 'csv') return { within, ...report };
        const groups = [{ segment: '(all)', list: report.steps }, ...(report.segments ?? []).map((s) => ({ segment: s.segment?.slug ?? '(none)', list: s.steps }))];
        return reply.csv(
          'funnel',
          ['segment', 'step', 'people', 'conversion', 'dropOff'],
          groups.flatMap((g) => g.list.map((r) => ({ segment: g.segment, ...r }))),
        );
      },
    }),
    route({
      method: 'get',
      path: '/v1/query/top-products',
      summary: 'Products by views, cart adds, orders and revenue',
      role: 'analyst',
      query: topProductsQuerySchema,
      handle: async ({ query }) => {
        const { format, ...q } = query;
        const products = await reports.topProducts(q);
        return format === 'csv' ? reply.csv('top-products', ['productId', 'views', 'cartAdds', 'orders', 'revenue'], products) : { products };
      },
    }),
    route({
      method: 'get',
      path: '/v1/export/events',
      summary: 'Every stored event (or a time range) as streamed NDJSON or CSV',
      role: 'analyst',
      query: exportQuerySchema,
      // Page by page, at the pace the client reads.
      handle: ({ query }) => {
        const { format, from, to } = query;
        return reply.stream(format === 'csv' ? 'text/csv' : 'application/x-ndjson', `events.${format}`, exportChunks(store, format, { from, to }));
      },
    }),
  ];
}
