// order.completed while the store refuses: the orders a failed flush held go back in front and are queued once it
// accepts again, the watermark moving only then.

import { describe, expect, it, vi } from 'vitest';
import type { StoredEvent } from '../../collector/domain/stored-event';
import { OrderWebhooks } from '../../collector/webhooks/orders';
import type { CustomerEvent, Webhooks } from '../../collector/webhooks/webhooks';
import type { WebhookStore } from '../../collector/store/store';

const order = (messageId: string, receivedAt: number): StoredEvent => ({
  messageId,
  type: 'track',
  event: 'Order Completed',
  anonymousId: null,
  userId: 'u1',
  sessionId: null,
  timestamp: receivedAt,
  receivedAt,
  properties: { order_id: messageId, revenue: 10 },
  context: {},
  traits: null,
});

describe('order webhooks', () => {
  it('queues the orders of a refused flush again once the store accepts, the watermark after them', async () => {
    const queued: CustomerEvent[] = [];
    let refuse = true;
    const webhooks = {
      emit: async (events: readonly CustomerEvent[]) => {
        if (refuse) throw new Error('disk full');
        queued.push(...events);
        return events.length;
      },
    } as unknown as Webhooks;
    let watermark: number | null = 100;
    const store = { orderWatermark: async () => watermark, setOrderWatermark: async (at: number) => void (watermark = at) } as unknown as WebhookStore;
    const log: string[] = [];
    const orders = new OrderWebhooks(webhooks, store, (line) => log.push(line));
    await orders.load();
    orders.learn(order('m1', 200), 'u1');
    await vi.waitFor(() => expect(log.some((l) => l.includes('1 orders not queued yet (disk full)'))).toBe(true), { timeout: 30_000 });
    orders.learn(order('m2', 300), 'u1');
    expect(watermark).toBe(100);
    refuse = false;
    await vi.waitFor(() => expect(queued.map((e) => e.key)).toEqual(['m1', 'm2']), { timeout: 30_000, interval: 50 });
    await vi.waitFor(() => expect(watermark).toBe(300), { timeout: 30_000 });
  });
});
