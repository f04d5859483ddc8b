// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { safeUrl } from '../../sdk';
import { eventually, fakeCollector, freshStore, patron } from './helpers';

const hostile = {
  recommendationId: 'rec-42',
  strategy: 'also-bought',
  items: [
    {
      id: 'SKU-X',
      name: '<img src=x onerror=alert(1)>',
      url: 'javascript:alert(1)',
      image: ' JaVaScRiPt:alert(2)',
      price: 19.5,
      currency: 'EUR',
      category: '<b>c</b>',
      score: 1,
      position: 0,
      source: 'also-bought',
    },
    { id: 'SKU-Y', name: 'Plain "quoted" & <name>', url: '/p/SKU-Y', image: 'https://cdn.test/y.png', price: 5, currency: 'USD', score: 0.5, position: 1, source: 'also-bought' },
  ],
};

beforeEach(() => {
  document.body.innerHTML = '';
  window.localStorage.clear();
});

async function render(html: string, body: unknown = hostile) {
  document.body.innerHTML = html;
  const c = fakeCollector();
  c.setRecommendations(body);
  const p = patron({ fetch: c.fetch, idbStore: freshStore(), flushInterval: 60_000 });
  await p.renderSlots();
  return { c, p };
}

describe('recommendation slots', () => {
  it('names the slot and its item, and renders the default template', async () => {
    const { c, p } = await render('<div id="s" data-patron-slot="also-bought" data-patron-item="SKU-1" data-patron-limit="2"></div>');
    const url = new URL(c.requests[0].url);
    expect(url.pathname).toBe('/v1/recommendations');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ slot: 'also-bought', item: 'SKU-1', limit: '2', writeKey: 'pk_test', anonymousId: p.anonymousId() });
    expect(url.searchParams.has('strategy')).toBe(false); // the slot's configuration lives on the collector
    const slot = document.getElementById('s')!;
    expect(slot.getAttribute('data-patron-state')).toBe('ready');
    expect(slot.getAttribute('data-patron-recommendation')).toBe('rec-42');
    expect(slot.querySelectorAll('.patron-item')).toHaveLength(2);
    expect(slot.querySelector('[data-patron-id="SKU-Y"] .patron-price')!.textContent).toBe('$5.00');
    p.destroy();
  });

  it('escapes every catalog field: markup shows as text and dangerous URLs are dropped', async () => {
    const { p } = await render('<div id="s" data-patron-slot="also-bought" data-patron-item="SKU-1"></div>');
    const slot = document.getElementById('s')!;
    const first = slot.querySelector('[data-patron-id="SKU-X"]')!;
    expect(first.querySelector('.patron-name')!.textContent).toBe('<img src=x onerror=alert(1)>');
    expect(slot.querySelectorAll('img[onerror]')).toHaveLength(0);
    expect(slot.querySelectorAll('img[src]')).toHaveLength(1); // SKU-X's image lost its javascript: src
    expect(first.hasAttribute('href')).toBe(false);
    expect(first.querySelector('img')!.hasAttribute('src')).toBe(false);
    expect(slot.querySelector('[data-patron-id="SKU-Y"] .patron-name')!.textContent).toBe('Plain "quoted" & <name>');
    expect(slot.querySelector('[data-patron-id="SKU-Y"]')!.getAttribute('href')).toBe('/p/SKU-Y');
    expect(slot.querySelectorAll('[onerror]')).toHaveLength(0); // the name only ever sits in text and a quoted alt
    p.destroy();
  });

  it('uses the merchant’s own template, and never puts data into handlers or styles', async () => {
    const { p } = await render(`
      <div id="s" data-patron-slot="for-you">
        <template><li class="card" title="{{name}}" onclick="buy('{{id}}')" style="color:{{category}}">
          <a href="{{url}}">{{name}}</a> <em>{{category}}</em> <span>{{position}}. {{amount}} {{currency}}</span></li></template>
        <p class="fallback">Our favourites</p>
      </div>`);
    const slot = document.getElementById('s')!;
    const cards = slot.querySelectorAll('li.card');
    expect(cards).toHaveLength(2);
    expect(cards[0].getAttribute('title')).toBe('<img src=x onerror=alert(1)>');
    expect(cards[0].hasAttribute('onclick')).toBe(false);
    expect(cards[0].hasAttribute('style')).toBe(false);
    expect(cards[0].querySelector('em')!.textContent).toBe('<b>c</b>');
    expect(cards[1].querySelector('span')!.textContent).toBe('2. 5 USD');
    expect(slot.querySelector('.fallback')).toBeNull();
    expect(slot.querySelector('template')).not.toBeNull(); // kept for the next render
    p.destroy();
  });

  it('uses a template named by data-patron-template', async () => {
    const { p } = await render(`<template id="tpl"><span class="named">{{name}}</span></template>
      <div id="s" data-patron-slot="popular" data-patron-template="tpl"></div>`);
    expect(document.querySelectorAll('#s .named')).toHaveLength(2);
    p.destroy();
  });

  it('tracks Recommendation Viewed on render and Recommendation Clicked with slot and position', async () => {
    const { c, p } = await render('<div id="s" data-patron-slot="also-bought" data-patron-item="SKU-1"></div>');
    const link = document.querySelector('[data-patron-id="SKU-Y"] .patron-name') as HTMLElement;
    link.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
    await eventually(() => expect(c.sent()).toHaveLength(2));
    const [viewed, clicked] = c.sent();
    expect(viewed).toMatchObject({
      event: 'Recommendation Viewed',
      properties: {
        slot: 'also-bought',
        recommendation_id: 'rec-42',
        product_id: 'SKU-1',
        products: [
          { product_id: 'SKU-X', position: 0 },
          { product_id: 'SKU-Y', position: 1 },
        ],
      },
    });
    expect(clicked).toMatchObject({ event: 'Recommendation Clicked', properties: { slot: 'also-bought', recommendation_id: 'rec-42', product_id: 'SKU-Y', position: 1 } });
    p.destroy();
  });

  it('leaves the slot’s own markup when the collector is down, and never throws into the page', async () => {
    document.body.innerHTML = '<div id="s" data-patron-slot="also-bought" data-patron-item="SKU-1"><p>Bestsellers</p></div>';
    const down = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const p = patron({ fetch: down, idbStore: freshStore() });
    await expect(p.renderSlots()).resolves.toBeUndefined();
    const slot = document.getElementById('s')!;
    expect(slot.getAttribute('data-patron-state')).toBe('error');
    expect(slot.textContent).toBe('Bestsellers');
    expect(await p.recommendations({ strategy: 'popular' })).toBeNull();
    expect(await p.segment()).toBeNull();
    p.destroy();
  });

  it('gives up on a slow collector after requestTimeout', async () => {
    document.body.innerHTML = '<div id="s" data-patron-slot="popular"></div>';
    // A collector that never answers: only the SDK's own timeout, aborting the request, ends the render.
    let aborted = 0;
    const hanging = ((_url: string, init?: RequestInit) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => {
          aborted++;
          reject(new DOMException('aborted', 'AbortError'));
        }),
      )) as typeof fetch;
    const p = patron({ fetch: hanging, idbStore: freshStore(), requestTimeout: 50 });
    await p.renderSlots();
    expect(aborted).toBe(1);
    expect(document.getElementById('s')!.getAttribute('data-patron-state')).toBe('error');
    p.destroy();
  });

  it('renders a slot once', async () => {
    const { c, p } = await render('<div data-patron-slot="popular"></div>');
    await p.renderSlots();
    expect(c.requests.filter((r) => r.url.includes('recommendations'))).toHaveLength(1);
    p.destroy();
  });
});

describe('safeUrl', () => {
  it('accepts http(s), relative and image data URLs only', () => {
    for (const ok of ['https://a.test/x', 'http://a.test', '/p/1', 'p/1', '//cdn.test/i.png', 'data:image/png;base64,AAA']) expect(safeUrl(ok)).toBe(true);
    for (const bad of ['javascript:alert(1)', ' javascript:x', 'java\nscript:x', 'JAVASCRIPT:x', 'vbscript:x', 'data:text/html,<script>', 'data:image/svg+xml;base64,AAA'])
      expect(safeUrl(bad)).toBe(false);
  });
});

describe('experiments on slots', () => {
  it("leaves a control's slot to the page's own markup, and tells the collector which variant it rendered", async () => {
    const held = { recommendationId: 'rec-7', slot: 'home', strategy: 'popular', items: [], unfilled: true, experiments: [{ experiment_id: 'home-test', variation_id: 'control' }] };
    const { c, p } = await render('<div id="s" data-patron-slot="home"><p id="own">Our picks</p></div>', held);
    const slot = document.getElementById('s')!;
    expect(slot.getAttribute('data-patron-state')).toBe('held');
    expect(document.getElementById('own')!.textContent).toBe('Our picks');
    await p.flush();
    const sent = c.sent();
    expect(sent.filter((e) => e.event === 'Experiment Viewed').map((e) => e.properties)).toEqual([{ experiment_id: 'home-test', variation_id: 'control' }]);
    expect(sent.some((e) => e.event === 'Recommendation Viewed')).toBe(false);
    p.destroy();
  });

  it("tracks the treatment's exposure beside the slot it filled", async () => {
    const { c, p } = await render('<div id="s" data-patron-slot="home"></div>', { ...hostile, experiments: [{ experiment_id: 'home-test', variation_id: 'recs' }] });
    expect(document.getElementById('s')!.getAttribute('data-patron-state')).toBe('ready');
    await p.flush();
    expect(c.sent().map((e) => e.event)).toEqual(expect.arrayContaining(['Experiment Viewed', 'Recommendation Viewed']));
    p.destroy();
  });
});
