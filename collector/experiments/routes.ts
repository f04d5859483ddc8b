// Experiments over HTTP: the merchant creates, pauses, resumes and stops them (admin key); analysts read the
// results (analyst key), as JSON or as CSV tables.

import { experimentIdSchema, experimentSchema, type ExperimentDefinition } from '../domain/experiment';
import { HttpError } from '../http/errors';
import { reply, route, type Route } from '../http/route';
import type { ExperimentReport } from './analysis';
import type { Experiment, Experiments } from './experiments';
import { resultsQuerySchema } from './schemas';

const ID = { id: { description: 'experiment id', schema: experimentIdSchema } };
const iso = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString());

/** An experiment as the API shows it: its definition, its state now, and how many visitors it has exposed. */
export function experimentBody(x: Experiment, now: number) {
  return {
    ...x.definition,
    state: x.stateAt(now),
    variations: x.variations.map((v, i) => ({ id: v.id, weight: x.weights[i], control: i === 0 })),
    createdAt: iso(x.record.createdAt),
    updatedAt: iso(x.record.updatedAt),
    startedAt: iso(x.record.startAt),
    stoppedAt: x.stateAt(now) === 'stopped' ? iso(x.until) : null,
    exposed: x.ledger.size,
  };
}

const VARIANT_COLUMNS = ['id', 'control', 'weight', 'visitors', 'converters', 'orders', 'revenue', 'conversionRate', 'ordersPerVisitor', 'revenuePerVisitor', 'averageOrderValue', 'clvPerVisitor'];
const INTERVALS = ['conversionRate', 'ordersPerVisitor', 'revenuePerVisitor', 'averageOrderValue', 'clvPerVisitor'] as const;

/** The results' tables flattened for CSV: each interval as its estimate, lower and upper bound. */
function csvOf(report: ExperimentReport, table: 'variants' | 'effects' | 'days') {
  const flat = (prefix: string, i: { estimate: number; lower: number; upper: number } | null) => ({
    [prefix]: i?.estimate ?? '',
    [`${prefix}Lower`]: i?.lower ?? '',
    [`${prefix}Upper`]: i?.upper ?? '',
  });
  const cols = (names: readonly string[]) => names.flatMap((n) => [n, `${n}Lower`, `${n}Upper`]);
  if (table === 'variants') {
    const rows = report.variants.map((v): object => Object.assign({ ...v }, ...INTERVALS.map((k) => flat(k, v[k]))) as object);
    return reply.csv(
      'experiment-variants',
      VARIANT_COLUMNS.flatMap((c) => ((INTERVALS as readonly string[]).includes(c) ? cols([c]) : [c])),
      rows,
    );
  }
  if (table === 'effects') {
    const rows = report.effects.map((e) => ({
      variant: e.variant,
      metric: e.metric,
      ...flat('absolute', e.absolute),
      ...flat('relative', e.relative),
      ...flat('sequentialAbsolute', e.sequential.absolute),
      ...flat('sequentialRelative', e.sequential.relative),
      pValue: e.pValue ?? '',
      cupedVarianceReduction: e.cuped?.varianceReduction ?? '',
      verdict: e.verdict,
    }));
    return reply.csv('experiment-effects', ['variant', 'metric', ...cols(['absolute', 'relative', 'sequentialAbsolute', 'sequentialRelative']), 'pValue', 'cupedVarianceReduction', 'verdict'], rows);
  }
  const rows = report.overTime.flatMap((d) =>
    d.effects.map((e) => ({ day: d.day, variant: e.variant, visitors: d.visitors.reduce((a, b) => a + b, 0), ...flat('relative', e.relative), ...flat('sequentialRelative', e.sequential.relative) })),
  );
  return reply.csv('experiment-days', ['day', 'variant', 'visitors', ...cols(['relative', 'sequentialRelative'])], rows);
}

export function experimentRoutes(experiments: Experiments, results: (x: Experiment, minimumDetectableEffect?: number) => Promise<ExperimentReport>, now: () => number = Date.now): Route[] {
  const find = (id: string) => {
    const x = experiments.get(id);
    if (!x) throw new HttpError(404, 'not_found', `No experiment named ${id}`);
    return x;
  };
  const action = (name: 'pause' | 'resume' | 'stop', summary: string): Route =>
    route({
      method: 'post',
      path: `/v1/experiments/:id/${name}`,
      summary,
      role: 'admin',
      params: ID,
      responses: { '404': 'no such experiment', '409': 'the experiment has stopped' },
      handle: async ({ params }) => experimentBody(await experiments.transition(params.id, name), now()),
    });
  return [
    route({
      method: 'get',
      path: '/v1/experiments',
      summary: 'Every experiment, newest first, with its state',
      role: 'analyst',
      handle: () => ({ experiments: experiments.list().map((x) => experimentBody(x, now())) }),
    }),
    route<undefined, ExperimentDefinition>({
      method: 'post',
      path: '/v1/experiments',
      summary: 'Start an experiment on a slot, a block of content, or all personalisation (a holdout)',
      role: 'admin',
      body: experimentSchema,
      bodyName: 'experiment',
      responses: { '201': 'started (or scheduled)', '409': 'the id is taken, or the target is under test' },
      handle: async ({ body }) => reply.json(201, experimentBody(await experiments.create(body), now())),
    }),
    route({
      method: 'get',
      path: '/v1/experiments/:id',
      summary: 'One experiment',
      role: 'analyst',
      params: ID,
      responses: { '404': 'no such experiment' },
      handle: ({ params }) => experimentBody(find(params.id), now()),
    }),
    action('pause', 'Pause: visitors see the page as without the experiment; the split is kept'),
    action('resume', 'Resume a paused experiment'),
    action('stop', 'Stop for good; the results stay'),
    route({
      method: 'get',
      path: '/v1/experiments/:id/results',
      summary: 'Per variant figures, effects over control with fixed and always-valid intervals, sample ratio, decision, and the effect by day',
      role: 'analyst',
      params: ID,
      query: resultsQuerySchema,
      responses: { '404': 'no such experiment' },
      handle: async ({ params, query }) => {
        const x = find(params.id);
        const report = await results(x, query.minimumDetectableEffect);
        return query.format === 'csv' ? csvOf(report, query.table) : { experiment: experimentBody(x, now()), ...report };
      },
    }),
  ];
}
