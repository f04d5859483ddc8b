// Standard Webhooks' signatures (standardwebhooks.com, spec 1.0.0): a secret of 24 random bytes shown as
// `whsec_` + base64, an HMAC-SHA256 over `{id}.{timestamp}.{body}` sent as `v1,` + base64, one per secret in use
// (during a rotation's grace period, the old secret's too), so receivers verify with the specification's libraries.

import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** A new signing secret: 24 random bytes (the specification's least; 192 bits). */
export function newSecret(): string {
  return PREFIX + randomBytes(24).toString('base64');
}

/** `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under the secret's bytes. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The three headers of a delivery attempt: its id (the same on every retry), the attempt's time in seconds, the signatures. */
export function webhookHeaders(secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => sign(s, id, timestampSeconds, body)).join(' '),
  };
}
