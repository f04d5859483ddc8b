// Webhooks' parts: Standard Webhooks signatures as its own library verifies them, the retry schedule, the
// addresses a webhook may not reach, and one request to a real receiver (refused, allowed, redirected, too slow).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInternalAddress } from '../../collector/webhooks/addresses';
import { EXCERPT_BYTES, postWebhook, refusedUrl } from '../../collector/webhooks/outbound';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, nextAttemptAt, retryAfterMs } from '../../collector/webhooks/schedule';
import { newSecret, sign, webhookHeaders } from '../../collector/webhooks/signature';

describe('signatures', () => {
  const body = JSON.stringify({ type: 'customer.stage_changed', timestamp: '2026-12-02T10:00:00.000Z', data: { customer: { id: 'c-1' }, from: 'active', to: 'at-risk' } });
  const now = Math.floor(Date.now() / 1000);

  it('verify with the Standard Webhooks library, as a receiver would', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const headers = webhookHeaders([secret], 'msg_1', now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('at-risk', 'lost'), headers)).toThrow();
  });

  it('carry both secrets during a rotation, and either verifies', () => {
    const [old, fresh] = [newSecret(), newSecret()];
    const headers = webhookHeaders([fresh, old], 'msg_2', now, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(old).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(fresh).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("match the specification's example", () => {
    // The library's own test vector: secret, id, timestamp and payload give this signature.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});

describe('the retry schedule', () => {
  it("spans the specification's three days and a few hours, with up to a tenth of jitter, then gives up", () => {
    expect(RETRY_DELAYS_MS.reduce((a, b) => a + b, 0)).toBe(((75 * 60 + 35) * 60 + 5) * 1000);
    expect(nextAttemptAt(1, 0, null, () => 0)).toBe(5000);
    expect(nextAttemptAt(1, 0, null, () => 0.999)).toBeCloseTo(5499.5, 6);
    expect(nextAttemptAt(MAX_ATTEMPTS, 0)).toBeNull();
  });

  it('waits as long as a Retry-After asks when that is longer, up to a day', () => {
    expect(retryAfterMs('120', 0)).toBe(120_000);
    expect(retryAfterMs('Wed, 02 Dec 2026 10:01:00 GMT', Date.UTC(2026, 11, 2, 10))).toBe(60_000);
    expect(retryAfterMs('soon', 0)).toBeNull();
    expect(nextAttemptAt(1, 0, 120_000, () => 0)).toBe(120_000);
    expect(nextAttemptAt(1, 0, 1e12, () => 0)).toBe(86_400_000);
  });
});

describe('addresses a webhook may not reach', () => {
  it('are private, loopback, link-local, shared, multicast, reserved and unspecified ones, IPv4 inside IPv6 too', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '64:ff9b::a9fe:a9fe',
      'not-an-ip',
    ])
      expect(isInternalAddress(a), a).toBe(true);
    for (const a of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isInternalAddress(a), a).toBe(false);
  });
});

describe('a webhook request', () => {
  const received: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let url = '';
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      received.push({ url: req.url!, headers: req.headers, body });
      if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
      else if (req.url === '/slow') setTimeout(() => res.end('late'), 5000).unref();
      else if (req.url === '/busy') res.writeHead(503, { 'retry-after': '30' }).end('busy');
      else if (req.url === '/big') res.end('x'.repeat(100_000));
      else res.end('ok');
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const allowed = { allowHosts: ['127.0.0.1'] };

  it('never reaches an internal address the operator did not allow, nor plain http elsewhere', async () => {
    const before = received.length;
    const res = await postWebhook(`${url}/ok`, '{}', {});
    expect(res.status).toBeNull();
    expect(res.error).toMatch(/https/);
    expect((await postWebhook(`https://127.0.0.1:1/ok`, '{}', {})).error).toMatch(/internal address/);
    expect((await postWebhook(`https://localhost:1/ok`, '{}', {})).error).toMatch(/internal address/);
    expect(received.length).toBe(before);
    expect(refusedUrl('https://user:pw@example.com/')).toMatch(/credentials/);
    expect(refusedUrl('ftp://example.com/')).toMatch(/https/);
    expect(refusedUrl('https://example.com/hook')).toBeNull();
  });

  it('posts the body and headers to an allowed host, and reads only an excerpt of the answer', async () => {
    const res = await postWebhook(`${url}/ok`, '{"a":1}', { 'webhook-id': 'msg_9' }, allowed);
    expect(res).toMatchObject({ status: 200, excerpt: 'ok' });
    expect(received.at(-1)).toMatchObject({ url: '/ok', body: '{"a":1}', headers: { 'webhook-id': 'msg_9', 'content-type': 'application/json' } });
    expect((await postWebhook(`${url}/big`, '{}', {}, allowed)).excerpt.length).toBe(EXCERPT_BYTES);
    expect((await postWebhook(`${url}/ok`, 'x'.repeat(20 * 1024 + 1), {}, allowed)).error).toMatch(/over 20480 bytes/);
  });

  it('follows no redirect, tells Retry-After, and gives up on an endpoint that does not answer in time', async () => {
    const before = received.length;
    expect(await postWebhook(`${url}/redirect`, '{}', {}, allowed)).toMatchObject({ status: 302 });
    expect(received.slice(before).map((r) => r.url)).toEqual(['/redirect']);
    expect(await postWebhook(`${url}/busy`, '{}', {}, allowed)).toMatchObject({ status: 503, retryAfter: '30', excerpt: 'busy' });
    const slow = await postWebhook(`${url}/slow`, '{}', {}, { ...allowed, timeoutMs: 300 });
    expect(slow.status).toBeNull();
    expect(slow.error).toMatch(/no answer within 300 ms/);
  });
});
