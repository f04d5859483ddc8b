// What the page asks the collector (recommendations, the visitor's segment and profile): a GET with the
// write key, given up after requestTimeout, and null for any failure so the page goes on without.

import type { Patron } from './api';
import { ids, type Core } from './core';
import type { RecommendationResponse, SegmentResponse } from './wire';

export async function ask<T>(core: Core, path: string, params: Record<string, string | number | undefined> = {}): Promise<T | null> {
  // Without consent, questions carry no identifier.
  const fields = { writeKey: core._options.writeKey, ...params, ...(core._consent === 'granted' ? ids(core) : {}) };
  const query = new URLSearchParams(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
  // Every browser that runs this bundle's syntax has AbortController; aborting an answer already read
  // changes nothing, so the timer is left to run out.
  const controller = new AbortController();
  setTimeout(() => controller.abort(), core._options.requestTimeout ?? 1500);
  try {
    const res = await core._fetch(`${core._endpoint}${path}?${query}`, { signal: controller.signal });
    return res.ok ? ((await res.json()) as T) : null;
  } catch (error) {
    core._debug(path, error);
    return null;
  }
}

export function reads(core: Core): Pick<Patron, 'recommendations' | 'segment'> {
  return {
    // The request's fields become the query as they are (the collector ignores any it does not know).
    recommendations: (request) => ask<RecommendationResponse>(core, '/v1/recommendations', request as Record<string, string | number | undefined>),
    segment: async () => (await ask<SegmentResponse>(core, '/v1/segment'))?.segment ?? null,
  };
}
