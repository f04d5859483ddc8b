// The server's settings from flags and the environment: the limits that protect a public endpoint.

import { describe, expect, it } from 'vitest';
import { configFrom } from '../../collector/server';

const base = ['--write-key', 'pk_test', '--store', 'sqlite::memory:'];

describe('the server configuration', () => {
  it('reads byte rate limits and the quarantine bounds, flags before the environment', () => {
    const config = configFrom([...base, '--bytes-per-address', '2000000', '--quarantine-max-events', '500'], { PATRON_QUARANTINE_MAX_DAYS: '2', PATRON_BYTES_PER_KEY: '9000000' });
    expect(config.rateLimits && config.rateLimits.bytesPerAddress).toEqual({ rate: 2_000_000, burst: 10_000_000 });
    expect(config.rateLimits && config.rateLimits.bytesPerKey).toEqual({ rate: 9_000_000, burst: 45_000_000 });
    expect(config.quarantine).toEqual({ maxEvents: 500, maxAgeDays: 2 });
    expect(configFrom(base, {}).quarantine).toEqual({ maxEvents: undefined, maxAgeDays: undefined });
  });

  it('refuses values that are not positive numbers, naming the flag', () => {
    expect(() => configFrom([...base, '--bytes-per-key', 'lots'], {})).toThrow(/--bytes-per-key/);
    expect(() => configFrom([...base, '--quarantine-max-days', '0'], {})).toThrow(/--quarantine-max-days/);
  });
});
