// The dashboard served at /dashboard: log in with an analyst key (charts, experiments' results) or an admin key
// (also the slot editor and the experiments' controls). Keys live in sessionStorage, this tab only; every request carries one as a Bearer token.

import { ApiError, byId, createApi } from './api';
import { createExperimentsTab } from './experiments/tab';
import { createOverview, type Overview, type Period } from './overview/overview';
import { createSlotEditor } from './slots/editor';
import { createValueTab } from './value/tab';
import { createWebhooksTab } from './webhooks/tab';

const KEY = 'patron.dashboard.key';
const ADMIN_KEY = 'patron.dashboard.adminKey';
const DAY = 86_400_000;

let key = sessionStorage.getItem(KEY) ?? '';
let adminKey = sessionStorage.getItem(ADMIN_KEY) ?? '';
const api = createApi(() => key);
const adminApi = createApi(() => adminKey || key);
let overview: Overview | undefined;
let editor: ReturnType<typeof createSlotEditor> | undefined;
let experiments: ReturnType<typeof createExperimentsTab> | undefined;
let value: ReturnType<typeof createValueTab> | undefined;
let webhooks: ReturnType<typeof createWebhooksTab> | undefined;

declare global {
  interface Window {
    /** For people and tests poking at the page: the data each chart was drawn with. */
    patronDashboard?: { data: Overview['data']; ready: Promise<void> };
  }
}

function period(): Period {
  const value = byId<HTMLSelectElement>('period').value;
  if (value === 'all') return {};
  const days = Number(value);
  return { days, from: Math.floor(Date.now() / DAY) * DAY - (days - 1) * DAY };
}

/** Whether a key opens the admin API (the slot editor); an analyst key is refused there with a 401. */
async function opensAdmin(candidate: string): Promise<boolean> {
  try {
    await createApi(() => candidate)('GET', '/v1/slots');
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

async function showTab() {
  const tab = (['slots', 'experiments', 'value', 'webhooks'] as const).find((t) => location.hash.startsWith(`#${t}`)) ?? 'overview';
  for (const section of document.querySelectorAll<HTMLElement>('.tab')) section.hidden = section.id !== tab;
  for (const a of document.querySelectorAll('[data-tab]')) a.toggleAttribute('aria-current', a.getAttribute('data-tab') === tab);
  byId('period-picker').hidden = tab !== 'overview';
  if (tab === 'slots') {
    const admin = (adminKey && (await opensAdmin(adminKey))) || (await opensAdmin(key));
    byId('admin-login').hidden = admin;
    byId('editor').hidden = !admin;
    if (admin) {
      editor ??= createSlotEditor(adminApi);
      await editor.refresh(decodeURIComponent(location.hash.slice('#slots/'.length)) || undefined);
    }
  }
  if (tab === 'webhooks') {
    byId('webhooks').dataset.state = 'loading';
    const admin = (adminKey && (await opensAdmin(adminKey))) || (await opensAdmin(key));
    if (admin) webhooks ??= createWebhooksTab(adminApi);
    await (admin ? webhooks! : createWebhooksTab(null)).refresh(decodeURIComponent(location.hash.slice('#webhooks/'.length)) || undefined);
    byId('webhooks').dataset.state = 'ready';
  }
  if (tab === 'value') {
    value ??= createValueTab(api);
    await value.refresh();
  }
  if (tab === 'experiments') {
    // Results read with the analyst key; pausing, stopping and starting need an admin key.
    const admin = (adminKey && (await opensAdmin(adminKey))) || (await opensAdmin(key));
    experiments ??= createExperimentsTab(api, admin ? adminApi : null);
    await experiments.refresh(decodeURIComponent(location.hash.slice('#experiments/'.length)) || undefined);
  }
}

async function enter() {
  // The analyst door first: the overview is what every key that may enter can see.
  await api('GET', '/v1/clv');
  byId('login').hidden = true;
  byId('tabs').hidden = false;
  byId('logout').hidden = false;
  overview ??= createOverview(api);
  const ready = overview.refresh(period());
  window.patronDashboard = { data: (name) => overview!.data(name) ?? experiments?.data(name) ?? value?.data(name), ready };
  await Promise.all([ready, showTab()]);
  document.documentElement.dataset.ready = 'true';
}

byId('login').addEventListener('submit', (e) => {
  e.preventDefault();
  key = byId<HTMLInputElement>('key').value.trim();
  byId('login-error').textContent = '';
  enter().then(
    () => sessionStorage.setItem(KEY, key),
    (error: Error) => {
      byId('login-error').textContent =
        error instanceof ApiError && error.status === 401 ? 'This key does not open the dashboard: it needs an analyst or admin key.' : `The collector did not answer: ${error.message}`;
    },
  );
});

byId('admin-login').addEventListener('submit', (e) => {
  e.preventDefault();
  const candidate = byId<HTMLInputElement>('admin-key').value.trim();
  byId('admin-error').textContent = '';
  opensAdmin(candidate).then(
    (ok) => {
      if (!ok) {
        byId('admin-error').textContent = 'That is not an admin key.';
        return;
      }
      adminKey = candidate;
      sessionStorage.setItem(ADMIN_KEY, adminKey);
      return showTab();
    },
    (error: Error) => (byId('admin-error').textContent = error.message),
  );
});

byId('logout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(ADMIN_KEY);
  location.hash = '';
  location.reload();
});

byId('period').addEventListener('change', () => {
  const ready = overview?.refresh(period());
  if (ready && window.patronDashboard) window.patronDashboard.ready = ready;
});
window.addEventListener('hashchange', () => {
  if (!byId('tabs').hidden) void showTab();
});

if (key) enter().catch(() => sessionStorage.removeItem(KEY));
