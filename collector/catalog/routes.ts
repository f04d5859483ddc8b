// The merchant's catalog API (admin key).

import { HttpError } from '../http/errors';
import { reply, route, type Route } from '../http/route';
import type { Catalog } from './catalog';
import { catalogUpsertSchema } from './schemas';

export function catalogRoutes(catalog: Catalog): Route[] {
  return [
    route({
      method: 'get',
      path: '/v1/catalog/items',
      summary: 'The catalog',
      role: 'admin',
      handle: async () => ({ items: await catalog.list() }),
    }),
    route({
      method: 'put',
      path: '/v1/catalog/items',
      summary: 'Create or update products',
      role: 'admin',
      body: catalogUpsertSchema,
      bodyName: 'catalog',
      handle: async ({ body }) => ({ upserted: await catalog.upsert(body.items) }),
    }),
    route({
      method: 'delete',
      path: '/v1/catalog/items/:id',
      summary: 'Remove a product: never served again',
      role: 'admin',
      params: { id: 'product id' },
      responses: { '204': 'removed', '404': 'no such product' },
      handle: async ({ params }) => {
        if (!(await catalog.remove(params.id))) throw new HttpError(404, 'not_found', `No product ${params.id} in the catalog`);
        return reply.empty();
      },
    }),
  ];
}
