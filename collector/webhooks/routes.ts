// Webhook subscriptions over HTTP (admin key): create (the secret is shown once), list, read, replace, pause,
// resume, rotate the secret, remove; each subscription's delivery log, and replays of a delivery or a time range.

import { z } from 'zod';
import { subscriptionIdSchema, subscriptionSchema, type SubscriptionDefinition, type SubscriptionRecord } from '../domain/webhook';
import { instant } from '../http/params';
import { reply, route, type Route } from '../http/route';
import type { WebhookStore } from '../store/store';
import type { Webhooks } from './webhooks';

const ID = { id: { description: 'subscription id', schema: subscriptionIdSchema } };
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A subscription as the API shows it: never its secrets (only the answers that make one show it). */
function body(r: SubscriptionRecord) {
  return {
    id: r.id,
    ...r.definition,
    state: r.state,
    reason: r.reason,
    secrets: r.secrets.map((s) => ({ prefix: `${s.secret.slice(0, 10)}…`, createdAt: iso(s.createdAt), expiresAt: iso(s.expiresAt) })),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

const rotateSchema = z.strictObject({ graceHours: z.number().min(0).max(168).default(24) });
const replaySchema = z
  .strictObject({ ids: z.array(z.string().max(64)).min(1).max(1000).optional(), from: instant.optional(), to: instant.optional() })
  .refine((r) => r.ids !== undefined || r.from !== undefined || r.to !== undefined, { message: 'needs ids, or a range (from, to)', path: ['ids'] });
const deliveriesQuerySchema = z.object({
  state: z.enum(['pending', 'delivered', 'failed']).optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export function webhookRoutes(webhooks: Webhooks, store: WebhookStore, now: () => number = Date.now): Route[] {
  const state = (name: 'pause' | 'resume', summary: string): Route =>
    route({
      method: 'post',
      path: `/v1/webhooks/:id/${name}`,
      summary,
      role: 'admin',
      params: ID,
      responses: { '404': 'no such subscription' },
      handle: async ({ params }) => body(await webhooks.setState(params.id, name === 'pause' ? 'paused' : 'enabled')),
    });
  return [
    route({
      method: 'get',
      path: '/v1/webhooks',
      summary: 'Every webhook subscription, oldest first, with its deliveries pending, delivered and failed',
      role: 'admin',
      handle: async () => {
        const counts = await store.deliveryCounts();
        return { subscriptions: webhooks.list().map((r) => ({ ...body(r), deliveries: counts.get(r.id) ?? { pending: 0, delivered: 0, failed: 0 } })) };
      },
    }),
    route<undefined, SubscriptionDefinition>({
      method: 'post',
      path: '/v1/webhooks',
      summary: 'Subscribe an endpoint to events; the answer shows its signing secret, once',
      role: 'admin',
      body: subscriptionSchema,
      bodyName: 'subscription',
      responses: { '201': 'subscribed', '409': 'too many subscriptions' },
      handle: async ({ body: definition }) => {
        const record = await webhooks.create(definition);
        return reply.json(201, { ...body(record), secret: record.secrets[0].secret });
      },
    }),
    route({
      method: 'get',
      path: '/v1/webhooks/:id',
      summary: 'One subscription',
      role: 'admin',
      params: ID,
      responses: { '404': 'no such subscription' },
      handle: ({ params }) => body(webhooks.get(params.id)),
    }),
    route<undefined, SubscriptionDefinition>({
      method: 'put',
      path: '/v1/webhooks/:id',
      summary: "Replace a subscription's definition (its secrets and deliveries stay)",
      role: 'admin',
      params: ID,
      body: subscriptionSchema,
      bodyName: 'subscription',
      responses: { '404': 'no such subscription' },
      handle: async ({ params, body: definition }) => body(await webhooks.replace(params.id, definition)),
    }),
    route({
      method: 'delete',
      path: '/v1/webhooks/:id',
      summary: 'Remove a subscription and its deliveries',
      role: 'admin',
      params: ID,
      responses: { '204': 'removed', '404': 'no such subscription' },
      handle: async ({ params }) => {
        await webhooks.remove(params.id);
        return reply.empty();
      },
    }),
    state('pause', 'Pause: deliveries wait, pending, until it is resumed'),
    state('resume', 'Resume a paused (or disabled) subscription: its waiting deliveries go first'),
    route<undefined, z.output<typeof rotateSchema>>({
      method: 'post',
      path: '/v1/webhooks/:id/rotate',
      summary: 'A new signing secret, shown once; the old one also signs for `graceHours` (24)',
      role: 'admin',
      params: ID,
      body: rotateSchema,
      bodyName: 'rotation',
      responses: { '404': 'no such subscription' },
      handle: async ({ params, body: b }) => {
        const record = await webhooks.rotate(params.id, b.graceHours * 3_600_000);
        return { ...body(record), secret: record.secrets[0].secret };
      },
    }),
    route({
      method: 'get',
      path: '/v1/webhooks/:id/deliveries',
      summary: "A subscription's deliveries, newest first, each with its attempts (status, latency, an excerpt of the answer)",
      role: 'admin',
      params: ID,
      query: deliveriesQuerySchema,
      responses: { '404': 'no such subscription' },
      handle: async ({ params, query }) => {
        webhooks.get(params.id);
        const deliveries = await store.listDeliveries({ subscriptionId: params.id, ...query });
        return {
          deliveries: deliveries.map((d) => ({
            ...d,
            payload: JSON.parse(d.payload) as unknown,
            createdAt: iso(d.createdAt),
            dueAt: iso(d.dueAt),
            log: d.log.map((a) => ({ at: iso(a.at), status: a.status, durationMs: a.durationMs, excerpt: a.excerpt })),
          })),
        };
      },
    }),
    route<undefined, z.output<typeof replaySchema>>({
      method: 'post',
      path: '/v1/webhooks/:id/replay',
      summary: 'Send deliveries again (their ids stay): by id, or those queued in a time range',
      role: 'admin',
      params: ID,
      body: replaySchema,
      bodyName: 'replay',
      responses: { '404': 'no such subscription' },
      handle: async ({ params, body: b }) => {
        webhooks.get(params.id);
        const replayed = await store.replayDeliveries({ subscriptionId: params.id, ...b }, now());
        webhooks.kick();
        return { replayed };
      },
    }),
  ];
}
