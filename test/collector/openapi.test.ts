// GET /v1/openapi.json: generated from the zod schemas, covering every route the collector serves.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Running } from './helpers';

let c: Running;
let doc: any;
beforeAll(async () => {
  c = await startCollector();
  doc = await (await fetch(`${c.url}/v1/openapi.json`)).json();
});
afterAll(() => c.stop());

/** Every method and path Express has a route for, in OpenAPI's {param} style. */
function expressRoutes(): string[] {
  const stack = (c.app as any).router.stack as { route?: { path: string | string[]; methods: Record<string, boolean> } }[];
  return stack
    .filter((layer) => layer.route)
    .flatMap((layer) => {
      const paths = Array.isArray(layer.route!.path) ? layer.route!.path : [layer.route!.path];
      return paths.flatMap((p) => Object.keys(layer.route!.methods).map((m) => `${m} ${p.replace(/:(\w+)/g, '{$1}')}`));
    });
}

describe('GET /v1/openapi.json', () => {
  it('is an OpenAPI 3.1 document covering every route, the fast-path ones included', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m} ${p}`));
    // The fast path's routes are Express's too (one route table): ingest and the storefront's reads among them.
    const served = expressRoutes().filter((r) => r !== 'get /patron.js.map' && !r.startsWith('get /dashboard/'));
    for (const fast of ['post /v1/batch', 'post /v1/track', 'get /v1/recommendations']) expect(served).toContain(fast);
    expect(served.length).toBeGreaterThan(25);
    for (const route of served) expect(documented, route).toContain(route);
  });

  it('describes parameters and bodies from the validating schemas, and who may call', () => {
    const customers = doc.paths['/v1/customers'].get;
    const sort = customers.parameters.find((p: any) => p.name === 'sort');
    expect(sort.schema.enum).toEqual(['clv', 'pAlive', 'expectedPurchases', 'revenue', 'orders']);
    expect(customers.security).toEqual([{ analyst: [] }]);
    const slot = doc.paths['/v1/slots/{name}'].put;
    expect(slot.parameters[0]).toMatchObject({ name: 'name', in: 'path', required: true });
    expect(slot.requestBody.content['application/json'].schema.properties.strategy.enum).toContain('segment-top');
    expect(doc.paths['/v1/batch'].post.requestBody.content['application/json'].schema.properties.batch.type).toBe('array');
    expect(doc.paths['/v1/recommendations'].get.security).toEqual([{ writeKey: [] }, { writeKeyInQuery: [] }]);
    expect(doc.paths['/v1/query/funnel'].get.parameters.find((p: any) => p.name === 'steps').required).toBe(true);
    expect(doc.paths['/health'].get.security).toEqual([]);
  });
});
