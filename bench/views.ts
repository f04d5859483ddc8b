// A batch of `n` product views by `n` visitors, as the benches' ingest measurements post it.

import { randomUUID } from 'node:crypto';

export function viewBatch(n = 20) {
  return Array.from({ length: n }, (_, k) => ({
    type: 'track',
    event: 'Product Viewed',
    messageId: randomUUID(),
    anonymousId: `v${k}`,
    timestamp: new Date().toISOString(),
    properties: { product_id: `p${k}` },
  }));
}
