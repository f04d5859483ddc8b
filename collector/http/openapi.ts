// The OpenAPI 3.1 document of the collector (GET /v1/openapi.json), made from the route table itself and the
// zod schemas that validate each route's input: paths, parameters and bodies cannot drift from what is served.

import { z } from 'zod';
import type { Route } from './route';

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
        properties: {
          error: {
            type: 'object',
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
            },
          },
        },
      },
    },
  },
};

/** The document of `routes`; `version`: the collector's. */
export function openApiDocument(routes: readonly Route[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    if (route.undocumented) continue;
    const responses: Record<string, object> = { '200': { description: 'OK' } };
    for (const [status, description] of Object.entries(route.responses ?? {})) responses[status] = status.startsWith('2') ? { description } : { ...ERROR, description };
    if (route.role) responses['401'] = { ...ERROR, description: `missing or wrong ${route.role} key` };
    if (route.query || route.body) responses['400'] ??= { ...ERROR, description: 'invalid request: the issues name each field' };
    (paths[route.path.replace(/:(\w+)/g, '{$1}')] ??= {})[route.method] = {
      summary: route.summary,
      ...(route.role ? { security: route.role === 'write' ? [{ writeKey: [] }, { writeKeyInQuery: [] }] : [{ [route.role]: [] }] } : { security: [] }),
      parameters: [
        ...Object.entries(route.params ?? {}).map(([name, param]) => ({
          name,
          in: 'path',
          required: true,
          description: typeof param === 'string' ? param : param.description,
          schema: { type: 'string' },
        })),
        ...(route.query ? queryParameters(route.query) : []),
      ],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body) } } } } : {}),
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
