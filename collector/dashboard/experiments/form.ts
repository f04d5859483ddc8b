// The form that starts an experiment: a slot (its control left unfilled or as configured, its variant as
// configured or with another strategy), a content block, or a holdout; the collector validates, and its issues
// are listed beside the form.

import { ApiError, byId, el, type Api } from '../api';

const field = (form: HTMLFormElement, name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
const value = (form: HTMLFormElement, name: string) => field(form, name).value.trim();

/** The definition the form describes, as POST /v1/experiments takes it. */
function definitionOf(form: HTMLFormElement, slots: Map<string, object>): object {
  const kind = value(form, 'kind');
  const treatment = Number(value(form, 'treatment')) / 100;
  const weights = [1 - treatment, treatment];
  const end = value(form, 'endAt');
  const guardrails = value(form, 'guardrails')
    .split(/[\s,]+/)
    .filter(Boolean);
  const common = {
    id: value(form, 'id'),
    name: value(form, 'name'),
    primaryMetric: value(form, 'primaryMetric'),
    guardrails,
    minimumDetectableEffect: Number(value(form, 'mde')) / 100,
    ...(end ? { endAt: `${end}T23:59:59Z` } : {}),
  };
  if (kind === 'holdout') return { ...common, kind, share: Number(value(form, 'share')) / 100 };
  if (kind === 'content')
    return {
      ...common,
      kind,
      content: value(form, 'content'),
      variants: [
        { id: 'hidden', shown: false, weight: weights[0] },
        { id: 'shown', shown: true, weight: weights[1] },
      ],
    };
  const slot = value(form, 'slot');
  const strategy = value(form, 'strategy');
  const control = value(form, 'control') === 'unfilled' ? { id: 'control', unfilled: true, weight: weights[0] } : { id: 'control', weight: weights[0] };
  const variant = strategy ? { id: strategy, weight: weights[1], config: { ...slots.get(slot), strategy } } : { id: 'as-configured', weight: weights[1] };
  return { ...common, kind, slot, variants: [control, variant] };
}

function showErrors(error: unknown) {
  const ul = byId('experiment-errors');
  ul.replaceChildren();
  if (!error) return;
  const issues = error instanceof ApiError && error.issues.length ? error.issues : [{ path: '', message: (error as Error).message }];
  ul.append(...issues.map((i) => el('li', {}, `${i.path ? `${i.path}: ` : ''}${i.message}`)));
}

export function createExperimentForm(api: Api, started: (id: string) => Promise<void>) {
  const form = byId<HTMLFormElement>('experiment-form');
  let slots = new Map<string, object>();
  const showKind = () => {
    const kind = value(form, 'kind');
    for (const label of form.querySelectorAll<HTMLElement>('[data-for]')) label.hidden = !label.dataset.for!.split(' ').includes(kind);
  };
  field(form, 'kind').addEventListener('change', showKind);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    byId('experiment-saved').textContent = '';
    api('POST', '/v1/experiments', definitionOf(form, slots)).then(async () => {
      showErrors(null);
      byId('experiment-saved').textContent = 'Started: the shop serves its variants from the next page view';
      await started(value(form, 'id'));
    }, showErrors);
  });
  return {
    /** Shows the form with the shop's slots to choose from (the admin API's). */
    async open() {
      const list = (await api<{ slots: ({ name: string } & object)[] }>('GET', '/v1/slots')).slots;
      slots = new Map(list.map(({ name, ...config }) => [name, Object.fromEntries(Object.entries(config).filter(([k]) => k !== 'updatedAt'))]));
      field(form, 'slot').replaceChildren(...list.map((s) => el('option', { value: s.name }, s.name)));
      showKind();
      form.hidden = false;
    },
  };
}
