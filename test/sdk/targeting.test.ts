// @vitest-environment happy-dom
// Segment-targeted content: [data-patron-show] for matching visitors only, [data-patron-hide] hidden from them,
// both hidden until the profile is known, and the page never waiting long on Patron.
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventually, fakeCollector, freshStore, patron } from './helpers';

const LOYAL = {
  segment: { id: 3, slug: 'loyal-high-spenders', label: 'loyal high spenders' },
  rfm: { group: 'champions', label: 'Champions' },
  churnRisk: 'active',
  stage: 'loyal',
  // As the collector makes them from the fields above.
  traits: ['segment:loyal-high-spenders', 'segment:3', 'rfm:champions', 'churn:active', 'stage:loyal'],
};

const PAGE = `
  <div id="loyal" data-patron-show="segment:loyal-high-spenders">Thanks for being with us</div>
  <div id="either" data-patron-show="rfm:at-risk, churn:active">Welcome back</div>
  <div id="winback" data-patron-show="churn:lost">We miss you</div>
  <div id="staged" data-patron-show="stage:loyal">Your loyalty reward</div>
  <div id="signup" data-patron-hide="rfm:champions">Join our club</div>
  <div id="plain">Always here</div>`;

const shown = (id: string) => document.getElementById(id)!.hasAttribute('data-patron-shown');
const visible = (id: string) => getComputedStyle(document.getElementById(id)!).display !== 'none';

beforeEach(() => {
  document.head.innerHTML = '';
  document.documentElement.removeAttribute('data-patron-targeted');
  document.body.innerHTML = PAGE;
  window.localStorage.clear();
});

describe('segment-targeted content', () => {
  it('shows matching content, hides what the visitor is excluded from, leaves the rest alone', async () => {
    const c = fakeCollector();
    c.setProfile(LOYAL);
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), flushInterval: 60_000 });
    await p.renderTargeted();
    expect([shown('loyal'), shown('either'), shown('winback'), shown('signup'), shown('staged')]).toEqual([true, true, false, false, true]);
    expect([visible('loyal'), visible('either'), visible('winback'), visible('signup'), visible('plain')]).toEqual([true, true, false, false, true]);
    expect(document.documentElement.hasAttribute('data-patron-targeted')).toBe(true);
    const url = new URL(c.requests.find((r) => r.url.includes('/v1/profile'))!.url);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ writeKey: 'pk_test', anonymousId: p.anonymousId() });
    p.destroy();
  });

  it('keeps targeted content hidden while the profile is on its way', async () => {
    const c = fakeCollector();
    let answer!: () => void;
    c.setProfile(LOYAL, { answer: new Promise<void>((r) => (answer = r)) });
    // The page waits longer than this test can take: the profile, not the wait, decides.
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), flushInterval: 60_000, targetingTimeout: 600_000 });
    const rendering = p.renderTargeted();
    await eventually(() => expect(c.requests.some((r) => r.url.includes('/v1/profile'))).toBe(true));
    expect([visible('loyal'), visible('signup'), visible('plain')]).toEqual([false, false, true]);
    answer();
    await rendering;
    expect(visible('loyal')).toBe(true);
    p.destroy();
  });

  it('gives up after a short wait: show-content stays hidden, hide-content appears', async () => {
    const c = fakeCollector();
    let answer!: () => void;
    c.setProfile(LOYAL, { answer: new Promise<void>((r) => (answer = r)) });
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), flushInterval: 60_000, targetingTimeout: 50 });
    // The profile is not answered until the page has gone on without it: only the page's own wait ends this.
    await p.renderTargeted();
    expect([visible('loyal'), visible('either'), visible('signup')]).toEqual([false, false, true]);
    answer();
    p.destroy();
  });

  it('treats an unknown visitor or a collector that is down like a visitor who matches nothing', async () => {
    const c = fakeCollector();
    c.setProfile({ error: { code: 'internal' } }, { status: 503 });
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), flushInterval: 60_000 });
    await p.renderTargeted();
    expect([visible('loyal'), visible('winback'), visible('signup')]).toEqual([false, false, true]);
    expect(await p.profile()).toBeNull();
    p.destroy();
  });

  it('fetches the profile once per page, again after identify', async () => {
    const c = fakeCollector();
    c.setProfile(LOYAL);
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), flushInterval: 60_000 });
    expect(await p.profile()).toEqual(LOYAL);
    await p.profile();
    await p.renderTargeted();
    expect(c.requests.filter((r) => r.url.includes('/v1/profile'))).toHaveLength(1);
    p.identify('user-7');
    await p.profile();
    const calls = c.requests.filter((r) => r.url.includes('/v1/profile'));
    expect(calls).toHaveLength(2);
    expect(new URL(calls[1].url).searchParams.get('userId')).toBe('user-7');
    p.destroy();
  });

  it('asks nothing without consent', async () => {
    const c = fakeCollector();
    c.setProfile(LOYAL);
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), flushInterval: 60_000, consent: 'pending' });
    await p.renderTargeted();
    expect(c.requests.some((r) => r.url.includes('/v1/profile'))).toBe(false);
    expect(visible('loyal')).toBe(false);
    p.destroy();
  });
});

describe('experiments on targeted content', () => {
  const tests = (shownPromo: boolean) => [
    { experiment_id: 'holdout', variation_id: 'personalised' },
    { experiment_id: 'promo-test', variation_id: shownPromo ? 'shown' : 'hidden', content: 'promo', shown: shownPromo },
  ];

  it('holds a block back in its hidden variant, counting the exposure only where the block would have shown', async () => {
    document.body.innerHTML = `<div id="promo" data-patron-show="churn:active" data-patron-content="promo">10% off</div>
      <div id="other" data-patron-show="churn:lost" data-patron-content="promo-2">Come back</div>`;
    const c = fakeCollector();
    c.setProfile({ ...LOYAL, experiments: tests(false) });
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), flushInterval: 60_000 });
    await p.renderTargeted();
    expect(visible('promo')).toBe(false);
    await p.flush();
    expect(
      c
        .sent()
        .filter((e) => e.event === 'Experiment Viewed')
        .map((e) => e.properties!.experiment_id),
    ).toEqual(['holdout', 'promo-test']);
    p.destroy();
  });

  it('shows the block in its shown variant, and tells no exposure to a visitor the block is not for', async () => {
    document.body.innerHTML = '<div id="promo" data-patron-show="churn:active" data-patron-content="promo">10% off</div>';
    const c = fakeCollector();
    c.setProfile({ ...LOYAL, experiments: tests(true) });
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), flushInterval: 60_000 });
    await p.renderTargeted();
    expect(visible('promo')).toBe(true);
    document.documentElement.removeAttribute('data-patron-targeted');
    document.getElementById('promo')!.removeAttribute('data-patron-shown');
    document.getElementById('promo')!.setAttribute('data-patron-show', 'churn:lost');
    const q = patron({ fetch: c.fetch, idbStore: freshStore(), flushInterval: 60_000 });
    await q.renderTargeted();
    await q.flush();
    expect(
      c
        .sent()
        .filter((e) => e.event === 'Experiment Viewed' && e.anonymousId === q.anonymousId())
        .map((e) => e.properties!.experiment_id),
    ).toEqual(['holdout']);
    p.destroy();
    q.destroy();
  });
});
