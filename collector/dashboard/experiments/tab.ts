// The experiments tab: every experiment in a list, the one opened with its results (analyst key), and with an
// admin key the buttons that pause, resume and stop it and the form that starts a new one.

import { byId, el, type Api } from '../api';
import { createCharts } from '../overview/charts';
import { number } from '../overview/format';
import { targetOf, type Experiment, type Results } from './experiment';
import { createExperimentForm } from './form';
import { showResults } from './results';

export function createExperimentsTab(api: Api, adminApi: Api | null) {
  const charts = createCharts();
  let current: string | undefined;
  const form = adminApi && createExperimentForm(adminApi, (id) => refresh(id));

  let mdeChanged = false;

  async function open(id: string) {
    if (id !== current) mdeChanged = false;
    document.querySelectorAll('#experiment-list a').forEach((a) => a.toggleAttribute('aria-current', a.getAttribute('data-experiment') === id));
    const view = byId('experiment-view');
    view.dataset.state = 'loading';
    // The sample needed is planned for the uplift the page asks (the experiment's own until it is changed).
    const mde = id === current && mdeChanged ? `?minimumDetectableEffect=${Number(byId<HTMLInputElement>('experiment-mde').value) / 100}` : '';
    current = id;
    const results = await api<Results>('GET', `/v1/experiments/${encodeURIComponent(id)}/results${mde}`);
    if (!mde) byId<HTMLInputElement>('experiment-mde').value = String(Math.round(results.sampleSize.minimumDetectableEffect * 1000) / 10);
    view.hidden = false;
    showResults(results, charts);
    const state = results.experiment.state;
    byId('experiment-actions').hidden = !adminApi || state === 'stopped';
    for (const b of byId('experiment-actions').querySelectorAll<HTMLButtonElement>('button')) b.hidden = (b.dataset.action === 'pause') !== (state === 'running') && b.dataset.action !== 'stop';
    view.dataset.state = 'ready';
  }

  function showList(experiments: Experiment[]) {
    byId('experiment-none').hidden = experiments.length > 0;
    byId('experiment-list').replaceChildren(
      ...experiments.map((x) => {
        const a = el('a', { href: `#experiments/${x.id}`, 'data-experiment': x.id }, x.name);
        const li = el('li');
        li.append(a, el('small', { class: 'muted' }, `${x.state}, ${targetOf(x)}, ${number.format(x.exposed)} exposed`));
        return li;
      }),
    );
  }

  async function refresh(selected?: string) {
    const { experiments } = await api<{ experiments: Experiment[] }>('GET', '/v1/experiments');
    showList(experiments);
    if (form) await form.open();
    const id = experiments.find((x) => x.id === selected)?.id ?? current ?? experiments[0]?.id;
    if (id) await open(id);
  }

  byId('experiment-mde').addEventListener('change', () => {
    mdeChanged = true;
    if (current) void open(current);
  });
  byId('experiment-actions').addEventListener('click', (e) => {
    const action = (e.target as HTMLElement).closest<HTMLButtonElement>('button')?.dataset.action;
    if (!action || !current || !adminApi) return;
    if (action === 'stop' && !confirm(`Stop ${current} for good? Its results stay; the split cannot start again.`)) return;
    void adminApi('POST', `/v1/experiments/${encodeURIComponent(current)}/${action}`).then(() => refresh(current));
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-experiment-csv]')) {
    button.addEventListener('click', () => {
      const table = button.dataset.experimentCsv!;
      if (current) void api.download(`/v1/experiments/${encodeURIComponent(current)}/results?format=csv&table=${table}`, `${current}-${table}.csv`);
    });
  }
  return { refresh, data: (name: string) => charts.data(name) };
}
