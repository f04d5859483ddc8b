// A fake collector for the SDK: records what the SDK sends and answers as told.

import { createStore } from 'idb-keyval';
import { vi } from 'vitest';
import { createPatron, type PatronOptions } from '../../sdk';
import type { WireEvent } from '../../sdk/wire';

export type Reply = number | 'network-error' | { status: number; body: unknown; headers?: Record<string, string> };

export function fakeCollector(replies: Reply[] = []) {
  const batches: WireEvent[][] = [];
  const requests: { url: string; init?: RequestInit; at: number }[] = [];
  let recommendations: unknown = { recommendationId: 'rec-1', strategy: 'also-bought', items: [] };
  let profile: { body: unknown; answer?: Promise<unknown>; status: number } = { body: { segment: null, rfm: null, churnRisk: null, stage: null, traits: [] }, status: 200 };
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    requests.push({ url, init, at: Date.now() });
    if (url.includes('/v1/profile')) {
      await profile.answer;
      return new Response(JSON.stringify(profile.body), { status: profile.status });
    }
    if (url.includes('/v1/recommendations')) return new Response(JSON.stringify(recommendations), { status: 200 });
    if (url.includes('/v1/segment')) return new Response(JSON.stringify({ anonymousId: 'x', segment: { id: 1, slug: 'loyal-regulars', label: 'loyal regulars' } }));
    const reply = replies.length ? replies.shift()! : 200;
    if (reply === 'network-error') throw new TypeError('Failed to fetch');
    const status = typeof reply === 'number' ? reply : reply.status;
    if (status === 200) batches.push(JSON.parse(String(init!.body)).batch);
    return new Response(JSON.stringify(typeof reply === 'object' ? reply.body : { success: true }), { status, headers: typeof reply === 'object' ? reply.headers : undefined });
  }) as typeof globalThis.fetch;
  return {
    fetch,
    batches,
    requests,
    sent: () => batches.flat(),
    setRecommendations(body: unknown) {
      recommendations = body;
    },
    /** `answer`: the profile is answered once it settles (the test says when), else at once. */
    setProfile(body: unknown, opts: { answer?: Promise<unknown>; status?: number } = {}) {
      profile = { body, answer: opts.answer, status: opts.status ?? 200 };
    },
  };
}

let n = 0;
export const freshStore = () => createStore(`patron-test-${++n}`, 'queue');

export function patron(options: Partial<PatronOptions> & Pick<PatronOptions, 'fetch'>) {
  return createPatron({
    writeKey: 'pk_test',
    endpoint: 'http://collector.test/',
    flushAt: 20,
    flushInterval: 20,
    baseRetryDelay: 10,
    maxRetryDelay: 1000,
    random: () => 1,
    storage: window.localStorage,
    ...options,
  });
}

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `check` passes, for as long as a busy machine may need: a test waits for a state, never for a
 * pace (vi.waitFor's own default gives up after one second). Still well below any delay a test tells apart
 * from "at once" (a 60 s retry), and below the tests' 30 s timeout, so a failure names what never came.
 */
export const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 20_000 });

/** The Web Locks API as one browser's tabs share it: exclusive named locks, and query() of what is held. */
export function fakeLocks() {
  const held = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();
  return {
    async request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      while (held.has(name)) await new Promise<void>((resolve) => waiting.set(name, [...(waiting.get(name) ?? []), resolve]));
      held.add(name);
      try {
        return await callback();
      } finally {
        held.delete(name);
        const next = waiting.get(name)?.shift();
        next?.();
      }
    },
    async query() {
      return { held: [...held].map((name) => ({ name })) };
    },
  };
}
