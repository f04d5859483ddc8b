// createPatron(options): the SDK's one factory. Every dependency on the browser (fetch, sendBeacon,
// IndexedDB, storage, the document) is passed in with a default, which is what makes it testable.

import { clear, createStore, type UseStore } from 'idb-keyval';
import { safeStorage, sessionId, uuid } from './ids';
import { createLiveness, type Locks } from './lease';
import { EventQueue, type SendResult } from './queue';
import { renderSlot } from './slots';
import type {
  EventProperties,
  EventType,
  ProductProperties,
  ProfileResponse,
  RecommendationResponse,
  SegmentInfo,
  SegmentResponse,
  Strategy,
  WireEvent,
} from './wire';

export const VERSION = '0.1.0';

export interface PatronOptions {
  writeKey: string;
  /** The collector's base URL, for example https://patron.example.com. */
  endpoint: string;
  /** Send when this many events are waiting... */
  flushAt?: number;
  /** ...or this many milliseconds after the first one. */
  flushInterval?: number;
  /** First retry delay; doubles on each failure up to maxRetryDelay, with jitter. */
  baseRetryDelay?: number;
  maxRetryDelay?: number;
  /** A visit ends after this long without activity. */
  sessionTimeout?: number;
  /** How long recommendation and segment requests may take before the page gives up on them. */
  requestTimeout?: number;
  /** How long [data-patron-show] content waits for the visitor's profile before the page goes on without it. */
  targetingTimeout?: number;
  /** Track Recommendation Viewed / Clicked for rendered slots. */
  trackRecommendations?: boolean;
  /** Caps on the events waiting to be sent; past them the oldest go and are counted. */
  maxQueueEvents?: number;
  maxQueueBytes?: number;
  /**
   * granted: track; pending: keep events in memory only until granted; denied: send nothing and forget the
   * visitor. A choice made with consent() is remembered and wins over this.
   */
  consent?: Consent;
  /** Treat Global Privacy Control and Do Not Track as consent denied, until the visitor grants it. */
  honorPrivacySignals?: boolean;
  /** No userId, and no identifier kept beyond the visit (sessionStorage only). */
  anonymous?: boolean;
  debug?: boolean;
  // Dependencies, with the browser's as defaults.
  fetch?: typeof fetch;
  sendBeacon?: (url: string, data: Blob) => boolean;
  idbStore?: UseStore;
  storage?: Storage | null;
  /** Per-visit storage for anonymous mode. */
  sessionStorage?: Storage | null;
  locks?: Locks;
  window?: Window;
  random?: () => number;
}

export type Consent = 'granted' | 'pending' | 'denied';

export interface RecommendationRequest {
  /** A slot the merchant configured on the collector (or one named after a strategy). */
  slot?: string;
  /** An ad-hoc strategy, when no slot is named. */
  strategy?: Strategy;
  item?: string;
  limit?: number;
}

export interface Patron {
  page(name?: string, properties?: EventProperties): void;
  track(event: string, properties?: EventProperties): void;
  productViewed(product: ProductProperties): void;
  productAdded(product: ProductProperties): void;
  orderCompleted(order: EventProperties): void;
  identify(userId: string, traits?: Record<string, unknown>): void;
  /** null when the collector cannot be reached in time: the page goes on without. */
  recommendations(request: RecommendationRequest): Promise<RecommendationResponse | null>;
  segment(): Promise<SegmentInfo | null>;
  /** The visitor's segment, RFM group and churn risk (fetched once per page); null when unknown in time. */
  profile(): Promise<ProfileResponse | null>;
  /** Fills every [data-patron-slot] under root not filled yet. */
  renderSlots(root?: ParentNode): Promise<void>;
  /**
   * Shows [data-patron-show="segment:slug rfm:champions churn:at-risk"] to matching visitors only and hides
   * [data-patron-hide="..."] from them; both stay hidden until the profile is known (or the wait times out).
   */
  renderTargeted(root?: ParentNode): Promise<void>;
  flush(): Promise<void>;
  anonymousId(): string;
  userId(): string | null;
  /** Forgets the user and starts a new anonymous id (on logout). */
  reset(): void;
  /** The visitor's choice; with no argument, the state in force. */
  consent(state?: Consent): Consent;
  /** Calls back (and resolves) once events left by earlier pages are loaded; the stub snippet queues it too. */
  ready(callback?: (patron: Patron) => void): Promise<Patron>;
  /** Stops listening to the page (tests, single-page apps tearing down). */
  destroy(): void;
}

const AID = 'patron.aid';
const UID = 'patron.uid';
const CONSENT = 'patron.consent';
const DROPPED = 'patron.dropped';
const SESSION = 'patron.session';

export function createPatron(options: PatronOptions): Patron {
  if (!options || !options.writeKey || !options.endpoint) throw new Error('patron: writeKey and endpoint are required');
  const win = options.window ?? (typeof window !== 'undefined' ? window : undefined);
  const doc = win?.document;
  const nav = win?.navigator;
  const doFetch = options.fetch ?? (win?.fetch ? win.fetch.bind(win) : fetch);
  const beacon = options.sendBeacon ?? (nav?.sendBeacon ? nav.sendBeacon.bind(nav) : undefined);
  const browserStorage = (name: 'localStorage' | 'sessionStorage') => {
    try {
      return win?.[name] ?? null;
    } catch {
      return null;
    }
  };
  const local = safeStorage(options.storage !== undefined ? options.storage : browserStorage('localStorage'));
  // Anonymous mode keeps identifiers for the visit only.
  const storage = options.anonymous ? safeStorage(options.sessionStorage !== undefined ? options.sessionStorage : browserStorage('sessionStorage')) : local;
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const debug = (...args: unknown[]) => options.debug && console.log('[patron]', ...args);
  const timeout = options.requestTimeout ?? 1500;

  // Consent: a remembered choice wins; then Global Privacy Control or Do Not Track; then the option.
  const signals = options.honorPrivacySignals !== false && !!nav && ((nav as { globalPrivacyControl?: boolean }).globalPrivacyControl === true || nav.doNotTrack === '1');
  const remembered = local.get(CONSENT) as Consent | null;
  let consent: Consent = remembered ?? (signals ? 'denied' : (options.consent ?? 'granted'));
  /** Events tracked while consent is pending: memory only, sent once granted. */
  let held: WireEvent[] = [];

  let anonymousId = storage.get(AID) ?? '';
  if (!anonymousId && consent !== 'denied') storage.set(AID, (anonymousId = uuid()));
  let userId = options.anonymous ? null : storage.get(UID);

  const body = (batch: WireEvent[], dropped: number) => JSON.stringify({ batch, writeKey: options.writeKey, sentAt: new Date().toISOString(), ...(dropped > 0 ? { dropped } : {}) });

  // text/plain with the write key in the body is a "simple" CORS request: no preflight on every send.
  async function send(batch: WireEvent[], dropped: number): Promise<SendResult> {
    const res = await doFetch(`${endpoint}/v1/batch`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: body(batch, dropped), keepalive: false });
    if (res.ok) return 'ok';
    if (res.status === 429 || res.status === 408 || res.status >= 500) {
      const after = Number(res.headers.get('Retry-After'));
      return { retry: true, after: after > 0 ? after * 1000 : undefined };
    }
    debug('collector refused a batch', res.status);
    return 'drop';
  }

  function sendByBeacon(batch: WireEvent[], dropped: number): boolean {
    const data = body(batch, dropped);
    const url = `${endpoint}/v1/batch`;
    try {
      if (beacon) return beacon(url, new Blob([data], { type: 'text/plain' }));
      void doFetch(url, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: data, keepalive: true }).catch(() => {});
      return true;
    } catch {
      return false;
    }
  }

  const tabId = uuid();
  const liveness = createLiveness(tabId, local, options.locks ?? (nav as { locks?: Locks } | undefined)?.locks);
  const idbStore = options.idbStore ?? createStore('patron', 'queue');
  const queue = new EventQueue({
    store: idbStore,
    tabId,
    liveness,
    maxEvents: options.maxQueueEvents ?? 1000,
    maxBytes: options.maxQueueBytes ?? 1_000_000,
    dropped: {
      get: () => Number(local.get(DROPPED)) || 0,
      add: (n) => local.set(DROPPED, String(Math.max(0, (Number(local.get(DROPPED)) || 0) + n))),
    },
    send,
    beacon: sendByBeacon,
    flushAt: options.flushAt ?? 20,
    flushInterval: options.flushInterval ?? 1000,
    baseRetryDelay: options.baseRetryDelay ?? 1000,
    maxRetryDelay: options.maxRetryDelay ?? 60_000,
    random: options.random ?? Math.random,
  });

  function enqueue(type: EventType, fields: Partial<WireEvent>): void {
    if (consent === 'denied') return;
    try {
      const loc = win?.location;
      const now = Date.now();
      const event: WireEvent = {
        type,
        messageId: uuid(),
        anonymousId,
        ...(userId ? { userId } : {}),
        timestamp: new Date(now).toISOString(),
        ...fields,
        context: {
          ...(loc && doc ? { page: { url: loc.href, path: loc.pathname, search: loc.search, referrer: doc.referrer, title: doc.title } } : {}),
          ...(nav ? { userAgent: nav.userAgent, locale: nav.language } : {}),
          library: { name: 'patron.js', version: VERSION },
          sessionId: sessionId(storage, now, options.sessionTimeout ?? 30 * 60_000),
        },
      };
      if (consent === 'pending') held.push(event);
      else void queue.push(event);
    } catch (error) {
      debug('could not queue an event', error);
    }
  }

  async function getJson<T>(path: string, params: Record<string, string | number | undefined>): Promise<T | null> {
    const query = new URLSearchParams({ writeKey: options.writeKey });
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, String(v));
    const controller = typeof AbortController !== 'undefined' ? new AbortController() : undefined;
    const timer = setTimeout(() => controller?.abort(), timeout);
    try {
      const res = await doFetch(`${endpoint}${path}?${query}`, { signal: controller?.signal });
      return res.ok ? ((await res.json()) as T) : null;
    } catch (error) {
      debug('request failed', path, error);
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  // Without consent, reads carry no identifier.
  const who = () => (consent !== 'granted' ? {} : userId ? { anonymousId, userId } : { anonymousId });

  // One profile request per page and visitor.
  let profile: Promise<ProfileResponse | null> | null = null;
  const forgetProfile = () => (profile = null);

  async function renderTargeted(root: ParentNode | undefined = doc): Promise<void> {
    if (!root) return;
    hideUntilKnown(doc);
    const targeted = Array.from(root.querySelectorAll<HTMLElement>('[data-patron-show],[data-patron-hide]'));
    if (!targeted.length) return;
    const wait = new Promise<null>((resolve) => setTimeout(resolve, options.targetingTimeout ?? 1000, null));
    const known = await Promise.race([api.profile(), wait]);
    const traits = new Set<string>();
    if (known?.segment) traits.add(`segment:${known.segment.slug}`).add(`segment:${known.segment.id}`);
    if (known?.rfm) traits.add(`rfm:${known.rfm.group}`);
    if (known?.churnRisk) traits.add(`churn:${known.churnRisk}`);
    const matches = (rule: string | undefined) => !!rule && rule.split(/[\s,]+/).some((t) => traits.has(t));
    for (const el of targeted) {
      // Unknown visitor (or no answer in time): show-content stays hidden, hide-content is shown.
      const visible = el.hasAttribute('data-patron-show') ? matches(el.dataset.patronShow) : !matches(el.dataset.patronHide);
      if (visible) el.setAttribute('data-patron-shown', '');
      else el.removeAttribute('data-patron-shown');
    }
    // Decided: pages (and tests) can wait for this before anything that moves with the layout.
    doc?.documentElement.setAttribute('data-patron-targeted', '');
  }

  async function renderSlots(root: ParentNode | undefined = doc): Promise<void> {
    if (!root) return;
    const slots = Array.from(root.querySelectorAll<HTMLElement>('[data-patron-slot]:not([data-patron-state])'));
    await Promise.all(
      slots.map(async (slot) => {
        slot.setAttribute('data-patron-state', 'loading');
        const name = slot.dataset.patronSlot!;
        // The slot's configuration lives on the collector: the page only names it.
        const response = await api.recommendations({ slot: name, item: slot.dataset.patronItem, limit: Number(slot.dataset.patronLimit) || undefined });
        if (!response) return slot.setAttribute('data-patron-state', 'error'); // the slot keeps its own fallback markup
        renderSlot(slot, response);
        if (options.trackRecommendations === false || !response.items.length) return;
        const common = { slot: name, recommendation_id: response.recommendationId };
        enqueue('track', {
          event: 'Recommendation Viewed',
          properties: { ...common, ...(slot.dataset.patronItem ? { product_id: slot.dataset.patronItem } : {}), products: response.items.map((i) => ({ product_id: i.id, position: i.position })) },
        });
        slot.addEventListener('click', (e) => {
          const hit = (e.target as Element | null)?.closest?.('[data-patron-position]');
          if (!hit || !slot.contains(hit)) return;
          enqueue('track', { event: 'Recommendation Clicked', properties: { ...common, product_id: hit.getAttribute('data-patron-id')!, position: Number(hit.getAttribute('data-patron-position')) } });
          void queue.flush(); // the click usually navigates away
        });
      }),
    );
  }

  const onHide = () => {
    if (doc?.visibilityState === 'hidden') queue.unload();
  };
  const onPageHide = () => queue.unload();
  const onOnline = () => void queue.flush();
  win?.addEventListener('pagehide', onPageHide);
  win?.addEventListener('online', onOnline);
  doc?.addEventListener('visibilitychange', onHide);

  const api: Patron = {
    page(name, properties) {
      enqueue('page', { ...(name ? { name } : {}), properties: properties ?? {} });
    },
    track(event, properties) {
      if (typeof event !== 'string' || !event) throw new Error('patron.track: an event name is required');
      enqueue('track', { event, properties: properties ?? {} });
    },
    productViewed(product) {
      api.track('Product Viewed', product);
    },
    productAdded(product) {
      api.track('Product Added', product);
    },
    orderCompleted(order) {
      api.track('Order Completed', order);
      void queue.flush(); // an order is the event a shop can least afford to lose
    },
    identify(id, traits) {
      if (typeof id !== 'string' || !id) throw new Error('patron.identify: a userId is required');
      if (options.anonymous || consent === 'denied') return;
      storage.set(UID, (userId = id));
      forgetProfile();
      enqueue('identify', { traits: traits ?? {} });
    },
    recommendations(request) {
      return getJson<RecommendationResponse>('/v1/recommendations', { slot: request.slot, strategy: request.strategy, item: request.item, limit: request.limit, ...who() });
    },
    async segment() {
      const res = await getJson<SegmentResponse>('/v1/segment', who());
      return res ? res.segment : null;
    },
    profile() {
      if (consent !== 'granted') return Promise.resolve(null);
      return (profile ??= getJson<ProfileResponse>('/v1/profile', who()).then((res) => {
        if (!res) forgetProfile(); // try again next time
        return res;
      }));
    },
    renderSlots,
    renderTargeted,
    flush: () => queue.flush(),
    anonymousId: () => anonymousId,
    userId: () => userId,
    reset() {
      storage.remove(UID);
      userId = null;
      forgetProfile();
      storage.set(AID, (anonymousId = uuid()));
    },
    consent(state) {
      if (state === undefined) return consent;
      if (state !== 'granted' && state !== 'pending' && state !== 'denied') throw new Error(`patron.consent: unknown state ${state}`);
      consent = state;
      forgetProfile();
      local.set(CONSENT, state);
      if (state === 'granted') {
        queue.resume();
        if (!anonymousId) storage.set(AID, (anonymousId = uuid()));
        for (const e of held) void queue.push({ ...e, anonymousId, ...(userId ? { userId } : {}) });
        held = [];
      } else if (state === 'denied') {
        // Nothing more is sent, and the identifiers and the queue are forgotten.
        held = [];
        queue.stop();
        void clear(idbStore).catch(() => {});
        for (const key of [AID, UID, SESSION, DROPPED]) {
          storage.remove(key);
          local.remove(key);
        }
        anonymousId = '';
        userId = null;
      }
      return consent;
    },
    ready(callback) {
      return queue._loaded.then(() => {
        try {
          callback?.(api);
        } catch (error) {
          debug('ready callback failed', error);
        }
        return api;
      });
    },
    destroy() {
      queue.stop();
      liveness.stop();
      win?.removeEventListener('pagehide', onPageHide);
      win?.removeEventListener('online', onOnline);
      doc?.removeEventListener('visibilitychange', onHide);
    },
  };
  return api;
}

const HIDE_UNTIL_KNOWN = 'patron-targeting';

/**
 * Targeted content is hidden until Patron decides (pages should carry the same rule in their own CSS, so
 * nothing flashes before this script loads).
 */
function hideUntilKnown(doc: Document | undefined): void {
  if (!doc || doc.getElementById(HIDE_UNTIL_KNOWN)) return;
  const style = doc.createElement('style');
  style.id = HIDE_UNTIL_KNOWN;
  style.textContent = '[data-patron-show]:not([data-patron-shown]),[data-patron-hide]:not([data-patron-shown]){display:none!important}';
  (doc.head ?? doc.documentElement).appendChild(style);
}
