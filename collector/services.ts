// The collector's services, built on a store and started: what every route and the CLI's own server call.
// Each is built here from the few others it needs; nothing else constructs them.

import type { InteractionOptions } from '../recommender';
import { Catalog } from './catalog/catalog';
import { CustomerInsights } from './customers/insights';
import { Experiments } from './experiments/experiments';
import { ExperimentResults } from './experiments/results';
import { Refits, type RefitOptions } from './customers/refit';
import { Identities } from './identity/identities';
import { createIngest, type Ingest } from './ingest/ingest';
import { QuarantineKeeper, type QuarantineLimits } from './ingest/quarantine';
import { Learner } from './models/learner';
import { People } from './people/people';
import { Retention, type RetentionOptions } from './people/retention';
import { SuppressionList } from './people/suppression';
import { KEEP_ALL, type ContextPrivacy } from './ingest/privacy';
import { Reports } from './reports/reports';
import { Attribution } from './slots/attribution';
import { Recommendations } from './slots/recommend';
import { Slots } from './slots/slots';
import type { Store } from './store/store';
import { customerEvents } from './webhooks/changes';
import { ExperimentWebhooks } from './webhooks/experiments';
import { OrderWebhooks } from './webhooks/orders';
import { Webhooks, type WebhookOptions } from './webhooks/webhooks';

export interface ServiceOptions {
  /** Weights per interaction, the half-life of affinities, the gap that ends a visit. */
  interactions?: Partial<InteractionOptions>;
  /** k-means options and the refit schedule. */
  segments?: RefitOptions['segments'];
  /** CLV horizon and discount rate, the expected-purchases horizon, churn-risk thresholds. */
  value?: RefitOptions['value'];
  /** The built worker script that refits segments and values (made by `npm run build`). */
  refitWorker?: string;
  /** Webhooks: hosts allowed although internal (and over http), the request time limit, the collector's public URL. */
  webhooks?: Omit<WebhookOptions, 'now' | 'log'>;
  /** How long events are kept (days; for ever by default). */
  retention?: RetentionOptions;
  /** What is kept of the client's IP address and user agent (as sent by default). */
  privacy?: Partial<ContextPrivacy>;
  /** How many rejected events the quarantine keeps, and for how long. */
  quarantine?: Partial<QuarantineLimits>;
  log?: (message: string) => void;
}

export interface Services {
  store: Store;
  catalog: Catalog;
  identities: Identities;
  learner: Learner;
  slots: Slots;
  insights: CustomerInsights;
  recommendations: Recommendations;
  attribution: Attribution;
  experiments: Experiments;
  experimentResults: ExperimentResults;
  refits: Refits;
  reports: Reports;
  ingest: Ingest;
  quarantine: QuarantineKeeper;
  webhooks: Webhooks;
  suppression: SuppressionList;
  people: People;
  retention: Retention;
  /** Stops background work (the store is the caller's to close). */
  stop(): Promise<void>;
}

/** Builds the services on `store`, loads what it keeps and rebuilds the models from every stored event, once. */
export async function startServices(store: Store, options: ServiceOptions = {}): Promise<Services> {
  const log = options.log ?? (() => {});
  const identities = new Identities(store);
  const catalog = new Catalog(store);
  const learner = new Learner(identities, catalog, { interactions: options.interactions, log });
  const insights = new CustomerInsights(learner, identities, log);
  const slots = new Slots(store);
  const experiments = new Experiments(store, identities, learner.people);
  learner.follow(experiments);
  const experimentResults = new ExperimentResults(learner, insights);
  const attribution = new Attribution(store, identities);
  const refits = new Refits(learner, insights, store, { segments: options.segments, value: options.value, worker: options.refitWorker }, log);
  const recommendations = new Recommendations(learner, catalog, slots, insights, identities, experiments);
  const reports = new Reports(learner, identities, insights, store);
  const suppression = new SuppressionList(store);
  const ingest = createIngest({ store, identities, learner, attribution, refits, suppression, privacy: { ...KEEP_ALL, ...options.privacy } });
  const quarantine = new QuarantineKeeper(store, options.quarantine ?? {}, log);
  const webhooks = new Webhooks(store, webhookFacts(insights), { dispatch: { store: store.shareable }, ...options.webhooks, log });
  const orderWebhooks = new OrderWebhooks(webhooks, store, log);
  learner.follow(orderWebhooks);
  const experimentWebhooks = new ExperimentWebhooks(experiments, experimentResults, webhooks);
  refits.onChanges(async ({ at, customers, stageChanges, segments }) => {
    // An analysis that fails is told; it does not hold the refit up.
    await experimentWebhooks.check().catch((error: Error) => log(`webhooks: experiments not analysed: ${error.message}`));
    // The first refit has nothing to compare with: no customer changed yet.
    if (insights.values.count === 0) return;
    const slugOf = (id: number | undefined) => (id === undefined ? undefined : (insights.segments.find((s) => s.id === id)?.slug ?? String(id)));
    const nextSlug = (id: number | undefined) => (id === undefined ? undefined : (segments.segments.find((s) => s.id === id)?.slug ?? String(id)));
    const previous = { value: (id: string) => insights.valueOf(id), segmentOf: (id: string) => slugOf(insights.segmentIdOf(id)), updatedAt: insights.values.updatedAt };
    return webhooks.emit(customerEvents(previous, { customers, at, segmentOf: (id) => nextSlug(segments.assignments.get(id)) }, stageChanges));
  });

  // Experiments first: the rebuild below replays their exposures.
  await Promise.all([catalog.load(), identities.load(), slots.load(), experiments.load(), webhooks.load(), orderWebhooks.load(), suppression.load()]);
  const fitted = await insights.load(store);
  // Clicks are replayed with the models, so an order after a restart is attributed as it would have been.
  await learner.rebuild(store.scanEvents(), await store.countEvents(), (page) => attribution.replay(page));
  insights.rankSegmentTop();
  refits.start(!fitted);
  quarantine.start();
  const people = new People({ store, identities, learner, insights, experiments, attribution, refits, suppression, log });
  // Deletions a stop interrupted go on once the models are rebuilt.
  await people.load();
  const retention = new Retention(store, learner, identities, options.retention ?? {}, log);
  retention.start();
  return {
    store,
    catalog,
    identities,
    learner,
    slots,
    insights,
    recommendations,
    attribution,
    experiments,
    experimentResults,
    refits,
    reports,
    ingest,
    quarantine,
    webhooks,
    suppression,
    people,
    retention,
    async stop() {
      await Promise.all([people.close(), retention.close()]);
      learner.close();
      await Promise.all([refits.close(), quarantine.close(), webhooks.close(), suppression.close()]);
    },
  };
}

/** What webhooks read of a customer now: their value and segment as of the last refit, their stage as of now. */
function webhookFacts(insights: CustomerInsights) {
  return {
    value: (id: string) => insights.valueOf(id),
    segmentOf: (id: string) => {
      const segment = insights.segmentIdOf(id);
      return segment === undefined ? undefined : insights.segments.find((s) => s.id === segment);
    },
    stageOf: (id: string) => insights.stageOf(id),
  };
}
