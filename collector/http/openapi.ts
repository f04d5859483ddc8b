// The OpenAPI 3.1 document of the collector (GET /v1/openapi.json), generated from the same zod schemas that
// validate the requests: parameters and bodies cannot drift from what the collector accepts.

import { z } from 'zod';
import type { Role } from './auth';
import { batchSchema, quarantineQuerySchema } from '../ingest/schemas';
import { clvQuerySchema, customersQuerySchema, profileQuerySchema, segmentQuerySchema, segmentsQuerySchema } from '../customers/schemas';
import { catalogUpsertSchema } from '../catalog/schemas';
import { eventSchema } from '../domain/event';
import { eventsQuerySchema, exportQuerySchema, funnelQuerySchema, retentionQuerySchema, topProductsQuerySchema } from '../reports/schemas';
import { recommendationQuerySchema, slotReportQuerySchema } from '../slots/schemas';
import { slotConfigSchema } from '../domain/slot-config';

interface Endpoint {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI style: /v1/slots/{name}. */
  path: string;
  summary: string;
  role: Role | null;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Path parameters and what they are. */
  params?: Record<string, string>;
  responses?: Record<string, string>;
}

const EVENT_PATHS = ['track', 'page', 'identify', 'screen', 'group', 'alias'] as const;

export const ENDPOINTS: Endpoint[] = [
  { method: 'post', path: '/v1/batch', summary: 'Store a batch of Segment-style events (invalid ones quarantined, listed by index)', role: 'write', body: batchSchema, responses: { '200': 'stored (duplicates counted as success)', '400': 'no valid event', '413': 'body too large', '429': 'rate limited (Retry-After)' } },
  ...EVENT_PATHS.map((type): Endpoint => ({ method: 'post', path: `/v1/${type}`, summary: `Store one ${type} event`, role: 'write', body: eventSchema, responses: { '200': 'stored', '400': 'invalid event', '429': 'rate limited' } })),
  { method: 'get', path: '/v1/recommendations', summary: "Recommendations for a merchant's slot, or an ad-hoc strategy", role: 'write', query: recommendationQuerySchema, responses: { '404': 'unknown slot' } },
  { method: 'get', path: '/v1/segment', summary: "The visitor's behavioural segment", role: 'write', query: segmentQuerySchema },
  { method: 'get', path: '/v1/profile', summary: "The visitor's segment, RFM group and churn risk (and figures the merchant made public)", role: 'write', query: profileQuerySchema },
  { method: 'get', path: '/v1/catalog/items', summary: 'The catalog', role: 'admin' },
  { method: 'put', path: '/v1/catalog/items', summary: 'Create or update products', role: 'admin', body: catalogUpsertSchema },
  { method: 'delete', path: '/v1/catalog/items/{id}', summary: 'Remove a product: never served again', role: 'admin', params: { id: 'product id' }, responses: { '204': 'removed', '404': 'no such product' } },
  { method: 'get', path: '/v1/slots', summary: 'The configured recommendation slots', role: 'admin' },
  { method: 'get', path: '/v1/slots/{name}', summary: 'One slot', role: 'admin', params: { name: 'slot name' }, responses: { '404': 'no such slot' } },
  { method: 'put', path: '/v1/slots/{name}', summary: 'Create (201) or replace (200) a slot', role: 'admin', params: { name: 'slot name' }, body: slotConfigSchema },
  { method: 'delete', path: '/v1/slots/{name}', summary: 'Remove a slot', role: 'admin', params: { name: 'slot name' }, responses: { '204': 'removed', '404': 'no such slot' } },
  { method: 'post', path: '/v1/segments/refit', summary: 'Refit segments and customer value now', role: 'admin' },
  { method: 'get', path: '/v1/segments', summary: 'Segments with their size, centroid, share of revenue and value', role: 'analyst', query: segmentsQuerySchema },
  { method: 'get', path: '/v1/customers', summary: 'Customers with CLV, P(alive), expected purchases, churn risk, RFM and segment', role: 'analyst', query: customersQuerySchema },
  { method: 'get', path: '/v1/clv', summary: 'The value of the whole customer base, by churn tier and RFM group, its distribution, and the fitted models', role: 'analyst', query: clvQuerySchema },
  { method: 'get', path: '/v1/reports/slots', summary: 'Impressions, clicks, attributed orders and revenue per slot and day', role: 'analyst', query: slotReportQuerySchema },
  { method: 'get', path: '/v1/query/events', summary: 'Counts, people and revenue over the stored events, filtered, bucketed and grouped', role: 'analyst', query: eventsQuerySchema },
  { method: 'get', path: '/v1/query/retention', summary: 'Cohort retention by first order or first visit', role: 'analyst', query: retentionQuerySchema },
  { method: 'get', path: '/v1/query/funnel', summary: 'People reaching each of ordered steps within a window, overall and per segment', role: 'analyst', query: funnelQuerySchema },
  { method: 'get', path: '/v1/query/top-products', summary: 'Products by views, cart adds, orders and revenue', role: 'analyst', query: topProductsQuerySchema },
  { method: 'get', path: '/v1/export/events', summary: 'Every stored event (or a time range) as streamed NDJSON or CSV', role: 'analyst', query: exportQuerySchema },
  { method: 'get', path: '/v1/quarantine', summary: 'Rejected events with their reasons, newest first', role: 'analyst', query: quarantineQuerySchema },
  { method: 'get', path: '/health', summary: 'Liveness and counts', role: null },
  { method: 'get', path: '/patron.js', summary: 'The script-tag SDK', role: null },
  { method: 'get', path: '/dashboard', summary: 'The dashboard: charts for analysts, the slot editor for merchants (the page asks for a key)', role: null },
  { method: 'get', path: '/v1/openapi.json', summary: 'This document', role: null },
];

const schemaOf = (s: z.ZodType) => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

function queryParameters(schema: z.ZodType) {
  const json = schemaOf(schema) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: property,
    ...(property.description ? { description: property.description } : {}),
  }));
}

const ERROR = {
  description: 'an error',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } } } } },
      },
    },
  },
};

export function openApiDocument(version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const e of ENDPOINTS) {
    const responses: Record<string, object> = { '200': { description: 'OK' } };
    for (const [status, description] of Object.entries(e.responses ?? {})) responses[status] = status.startsWith('2') ? { description } : { ...ERROR, description };
    if (e.role) responses['401'] = { ...ERROR, description: `missing or wrong ${e.role} key` };
    if (e.query || e.body) responses['400'] ??= { ...ERROR, description: 'invalid request: the issues name each field' };
    (paths[e.path] ??= {})[e.method] = {
      summary: e.summary,
      ...(e.role ? { security: e.role === 'write' ? [{ writeKey: [] }, { writeKeyInQuery: [] }] : [{ [e.role]: [] }] } : { security: [] }),
      parameters: [
        ...Object.entries(e.params ?? {}).map(([name, description]) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } })),
        ...(e.query ? queryParameters(e.query) : []),
      ],
      ...(e.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(e.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Patron collector', version, description: 'Events in (Segment-compatible), recommendations, segments and customer value out.' },
    components: {
      securitySchemes: {
        writeKey: { type: 'http', scheme: 'basic', description: "The public write key as Basic auth's user name (Segment's way), or as Bearer, or writeKey in the body" },
        writeKeyInQuery: { type: 'apiKey', in: 'query', name: 'writeKey' },
        admin: { type: 'http', scheme: 'bearer', description: "A secret admin key: the merchants' APIs (and every other door)" },
        analyst: { type: 'http', scheme: 'bearer', description: 'A secret analyst key: read-only analysis' },
      },
    },
    paths,
  };
}
