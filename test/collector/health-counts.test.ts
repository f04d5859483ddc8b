// /health's counts: fresh for a small store; for a large one, reused for a while and never waited for long, so
// asking often cannot keep the collector counting nor a flood hold a monitor up.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HealthCounts } from '../../collector/health/counts';
import type { Store } from '../../collector/store/store';

/** A store whose counts answer when the test says (`answer`), counting how often they were asked. */
function countingStore(events: number) {
  let asked = 0;
  let answer = () => {};
  const store = {
    countEvents: () => {
      asked++;
      return new Promise<number>((resolve) => (answer = () => resolve(events)));
    },
    clientDropped: () => Promise.resolve(7),
  } as unknown as Store;
  return { store, asked: () => asked, answer: () => answer() };
}

afterEach(() => vi.useRealTimers());

describe('the counts /health gives', () => {
  it('are counted afresh for every check of a small store', async () => {
    const s = countingStore(5000);
    const counts = new HealthCounts(s.store);
    for (let i = 1; i <= 3; i++) {
      const read = counts.read();
      s.answer();
      expect(await read).toMatchObject({ events: 5000, droppedByClients: 7 });
      expect(s.asked()).toBe(i);
    }
  });

  it('of a large store are reused for a while, and a slow new count is not waited for', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const s = countingStore(1_000_000);
    const counts = new HealthCounts(s.store);
    const first = counts.read();
    s.answer();
    expect(await first).toMatchObject({ events: 1_000_000 });
    // Within 5 s (a million / 200 ms): the same count, the store not asked.
    vi.advanceTimersByTime(4000);
    expect(await counts.read()).toMatchObject({ events: 1_000_000, at: Date.UTC(2026, 0, 1) });
    expect(s.asked()).toBe(1);
    // Past it, a new count is asked for; as it does not come within a moment, the last one is given.
    vi.advanceTimersByTime(2000);
    const later = counts.read();
    await vi.advanceTimersByTimeAsync(25);
    expect(await later).toMatchObject({ at: Date.UTC(2026, 0, 1) });
    expect(s.asked()).toBe(2);
    // The count goes on; once it comes, checks see it.
    s.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(await counts.read()).toMatchObject({ at: Date.UTC(2026, 0, 1) + 6025 });
    expect(s.asked()).toBe(2);
  });

  it('tell a count that fails, even with an earlier count to fall back on, until one succeeds', async () => {
    let failing = false;
    const store = {
      countEvents: () => (failing ? Promise.reject(new Error('disk I/O error')) : Promise.resolve(3)),
      clientDropped: () => Promise.resolve(0),
    } as unknown as Store;
    const counts = new HealthCounts(store);
    expect(await counts.read()).toMatchObject({ events: 3 });
    failing = true;
    expect(await counts.read()).toBe('disk I/O error');
    failing = false;
    expect(await counts.read()).toMatchObject({ events: 3 });
  });

  it('say why there are none when the first count does not come within 2 s', async () => {
    vi.useFakeTimers();
    const s = countingStore(10);
    const read = new HealthCounts(s.store).read();
    await vi.advanceTimersByTimeAsync(2000);
    expect(await read).toBe('no answer within 2 s');
  });
});
