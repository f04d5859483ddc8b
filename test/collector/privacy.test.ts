// What ingest keeps of the client's IP address and user agent: truncated or dropped as the shop chooses, in the
// stored events, the quarantine and the journal alike (the request's bytes are not kept as they arrived then).

import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimiseContexts, truncateIp, truncateUserAgent } from '../../collector/ingest/privacy';
import { event, post, readDatabase, startCollector, type Running } from './helpers';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

describe('truncating and dropping', () => {
  it('zeroes the host part of an address', () => {
    expect(truncateIp('203.0.113.77')).toBe('203.0.113.0');
    expect(truncateIp('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3::');
    expect(truncateIp('2001:db8::1')).toBe('2001:db8:0::');
    expect(truncateIp('::ffff:192.0.2.128')).toBe('::ffff:192.0.2.0');
    expect(truncateIp('not an address')).toBe('');
  });

  it("keeps a user agent's product tokens, not its comments", () => {
    expect(truncateUserAgent(UA)).toBe('Mozilla/5.0 AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36');
    expect(truncateUserAgent('curl/8.5.0')).toBe('curl/8.5.0');
    expect(truncateUserAgent('A/1 (x (nested; y) z) B/2')).toBe('A/1 B/2');
  });

  it('changes the contexts in place and says whether any changed', () => {
    const events = [{ context: { ip: '203.0.113.77', userAgent: UA, locale: 'en' } }, { context: { locale: 'de' } }, 'not an event'];
    expect(minimiseContexts(events, { ip: 'keep', userAgent: 'keep' })).toBe(false);
    expect(minimiseContexts(events, { ip: 'truncate', userAgent: 'drop' })).toBe(true);
    expect(events[0]).toEqual({ context: { ip: '203.0.113.0', locale: 'en' } });
    expect(minimiseContexts(events, { ip: 'truncate', userAgent: 'drop' })).toBe(false);
  });
});

describe('at ingest', () => {
  let c: Running;
  beforeAll(async () => {
    c = await startCollector({ privacy: { ip: 'truncate', userAgent: 'drop' } });
  });
  afterAll(() => c.stop());

  it('stores no full address and no user agent anywhere', async () => {
    const context = { ip: '203.0.113.77', userAgent: UA, locale: 'en-GB' };
    const batch = [
      event({ type: 'track', event: 'Product Viewed', properties: { product_id: 'p1' }, context }),
      // Invalid (no event name): quarantined with its context minimised too.
      { type: 'track', messageId: randomUUID(), anonymousId: 'anon-1', timestamp: new Date().toISOString(), context: { ...context } },
    ];
    const sent = await post(`${c.url}/v1/batch`, { batch });
    expect(sent.body).toMatchObject({ accepted: 1 });
    const [stored, quarantined] = await readDatabase(c, (db) => [
      db.prepare('SELECT context FROM events').pluck().all() as string[],
      db.prepare('SELECT raw FROM quarantine').pluck().all() as string[],
    ]);
    expect(stored.map((s) => JSON.parse(s))).toEqual([{ ip: '203.0.113.0', locale: 'en-GB' }]);
    expect(quarantined[0]).toContain('203.0.113.0');
    const journal = `${c.database}.journal`;
    const files = [c.database, `${c.database}-wal`, ...fs.readdirSync(journal).map((f) => path.join(journal, f))].filter((f) => fs.statSync(f).isFile());
    for (const needle of ['203.0.113.77', 'Linux x86_64']) expect(files.filter((f) => fs.readFileSync(f).includes(needle))).toEqual([]);
  });
});
